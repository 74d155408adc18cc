import { describe, expect, it } from "vitest";
import { formatLabelSelector, matchesRequirements, parseLabelSelector } from "../../src/api/label-selector.js";
import { StatusError } from "../../src/api/status-error.js";

describe("label selectors", () => {
  it("parses equality, set and existence terms", () => {
    expect(parseLabelSelector("app=etcd,tier!=db,zone in (a, b),env notin(prod),ready,!gone")).toEqual([
      { key: "app", operator: "In", values: ["etcd"] },
      { key: "tier", operator: "NotIn", values: ["db"] },
      { key: "zone", operator: "In", values: ["a", "b"] },
      { key: "env", operator: "NotIn", values: ["prod"] },
      { key: "ready", operator: "Exists", values: [] },
      { key: "gone", operator: "DoesNotExist", values: [] },
    ]);
    expect(parseLabelSelector("app.kubernetes.io/name==etcd")).toEqual([
      { key: "app.kubernetes.io/name", operator: "In", values: ["etcd"] },
    ]);
    expect(parseLabelSelector("")).toEqual([]);
  });

  it("refuses a malformed term with 400", () => {
    expect(() => parseLabelSelector("a in (b")).toThrow(StatusError);
    expect(() => parseLabelSelector("=x")).toThrow(/not a valid label selector/);
  });

  it("matches labels", () => {
    const reqs = parseLabelSelector("app=etcd,!gone,zone in (a,b)");
    expect(matchesRequirements({ app: "etcd", zone: "a" }, reqs)).toBe(true);
    expect(matchesRequirements({ app: "etcd", zone: "c" }, reqs)).toBe(false);
    expect(matchesRequirements({ app: "etcd", zone: "a", gone: "" }, reqs)).toBe(false);
    expect(matchesRequirements(undefined, [])).toBe(true);
  });

  it("formats a spec.selector as Kubernetes prints it", () => {
    expect(formatLabelSelector({ matchLabels: { tier: "x", app: "etcd" } })).toBe("app=etcd,tier=x");
    expect(
      formatLabelSelector({
        matchExpressions: [
          { key: "z", operator: "In", values: ["b", "a"] },
          { key: "y", operator: "DoesNotExist" },
        ],
      }),
    ).toBe("!y,z in (a,b)");
    expect(formatLabelSelector(undefined)).toBe("");
  });
});
