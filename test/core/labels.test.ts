import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { selectorString, matchesSelector } from "../../src/core/labels.js";
import { matchesRequirements, parseLabelSelector } from "kube-sandbox";

describe("matchesSelector", () => {
  const labels = { app: "etcd", "etcd.responder.io/cluster": "example", "etcd.responder.io/member": "3" };

  it("needs every matchLabels entry", () => {
    expect(matchesSelector(labels, { matchLabels: { app: "etcd", "etcd.responder.io/member": "3" } })).toBe(true);
    expect(matchesSelector(labels, { matchLabels: { app: "etcd", "etcd.responder.io/member": "4" } })).toBe(false);
    expect(matchesSelector(undefined, { matchLabels: { app: "etcd" } })).toBe(false);
  });

  it("evaluates In, NotIn, Exists and DoesNotExist", () => {
    expect(
      matchesSelector(labels, {
        matchExpressions: [{ key: "etcd.responder.io/member", operator: "In", values: ["2", "3"] }],
      }),
    ).toBe(true);
    expect(
      matchesSelector(labels, {
        matchExpressions: [{ key: "etcd.responder.io/member", operator: "NotIn", values: ["3"] }],
      }),
    ).toBe(false);
    expect(matchesSelector(labels, { matchExpressions: [{ key: "tier", operator: "NotIn", values: ["db"] }] })).toBe(
      true,
    );
    expect(matchesSelector(labels, { matchExpressions: [{ key: "app", operator: "Exists" }] })).toBe(true);
    expect(matchesSelector(labels, { matchExpressions: [{ key: "app", operator: "DoesNotExist" }] })).toBe(false);
  });

  it("matches nothing for an operator it does not know", () => {
    expect(matchesSelector(labels, { matchExpressions: [{ key: "app", operator: "Gt", values: ["1"] }] })).toBe(false);
  });

  it("does not read inherited properties as labels", () => {
    expect(matchesSelector({}, { matchExpressions: [{ key: "constructor", operator: "Exists" }] })).toBe(false);
  });
});

describe("matchesSelector agrees with the API server's label selection", () => {
  const key = fc.constantFrom("app", "tier", "etcd.responder.io/member");
  const value = fc.constantFrom("etcd", "db", "1", "3");
  const selector = fc.record({
    matchLabels: fc.dictionary(key, value, { maxKeys: 2 }),
    matchExpressions: fc.array(
      fc.oneof(
        fc.record({
          key,
          operator: fc.constantFrom("In", "NotIn"),
          values: fc.array(value, { minLength: 1, maxLength: 3 }),
        }),
        fc.record({ key, operator: fc.constantFrom("Exists", "DoesNotExist") }),
      ),
      { maxLength: 3 },
    ),
  });

  it("for any labels and any selector, as the listing query the sweep would send instead", () => {
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 3 }), selector, (labels, spec) => {
        const query = selectorString(spec);
        fc.pre(query !== undefined);
        expect(matchesSelector(labels, spec)).toBe(matchesRequirements(labels, parseLabelSelector(query)));
      }),
    );
  });
});
