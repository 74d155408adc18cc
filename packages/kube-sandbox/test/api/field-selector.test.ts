import { describe, expect, it } from "vitest";
import { fieldValue, matchesFields, parseFieldSelector } from "../../src/api/field-selector.js";
import type { KubeObject } from "../../src/api/object-store.js";

const event: KubeObject = {
  apiVersion: "v1",
  kind: "Event",
  metadata: { name: "e", namespace: "default" },
  involvedObject: { kind: "Pod", name: "etcd-0", namespace: "default", uid: "u-1" },
  source: { component: "kubelet" },
  type: "Warning",
};

describe("field selectors", () => {
  it("parses =, == and != terms for the fields a type supports", () => {
    expect(parseFieldSelector("metadata.name=x,status.phase!=Running,spec.nodeName==", "pods")).toEqual([
      { field: "metadata.name", operator: "=", value: "x" },
      { field: "status.phase", operator: "!=", value: "Running" },
      { field: "spec.nodeName", operator: "=", value: "" },
    ]);
    expect(() => parseFieldSelector("status.phase=Running", "configmaps")).toThrow(/not supported/);
    expect(() => parseFieldSelector("nonsense", "pods")).toThrow(/invalid field selector/);
  });

  it("selects events by their involved object, as kubectl describe asks", () => {
    const selector = parseFieldSelector(
      "involvedObject.name=etcd-0,involvedObject.namespace=default,involvedObject.uid=u-1",
      "events",
    );
    expect(matchesFields(event, selector)).toBe(true);
    expect(matchesFields(event, parseFieldSelector("involvedObject.uid=other", "events"))).toBe(false);
    expect(matchesFields(event, parseFieldSelector("source=kubelet,type=Warning", "events"))).toBe(true);
  });

  it("reads a missing field as the empty string", () => {
    expect(fieldValue(event, "involvedObject.fieldPath")).toBe("");
    expect(matchesFields(event, parseFieldSelector("involvedObject.fieldPath=", "events"))).toBe(true);
  });
});
