import { describe, expect, it } from "vitest";
import { cloneJson } from "../../../src/api/patch/json-value.js";

describe("cloneJson", () => {
  it("copies objects and arrays at every depth, so changing the copy leaves the original as it was", () => {
    const original = { metadata: { labels: { app: "etcd" } }, spec: { containers: [{ args: ["--name", "a"] }] } };
    const copy = cloneJson(original);
    expect(copy).toEqual(original);
    copy.metadata.labels.app = "other";
    copy.spec.containers[0]!.args.push("--extra");
    expect(original).toEqual({
      metadata: { labels: { app: "etcd" } },
      spec: { containers: [{ args: ["--name", "a"] }] },
    });
  });

  it("keeps primitives, null and undefined values as they are", () => {
    expect(cloneJson({ a: null, b: undefined, c: 0, d: "", e: false })).toEqual({
      a: null,
      b: undefined,
      c: 0,
      d: "",
      e: false,
    });
    expect(cloneJson("text")).toBe("text");
    expect(cloneJson(null)).toBeNull();
  });

  it("keeps an own __proto__ key an own property and never touches the copy's prototype", () => {
    const original = JSON.parse('{"metadata":{"__proto__":{"polluted":true},"name":"x"}}') as {
      metadata: Record<string, unknown>;
    };
    const copy = cloneJson(original);
    expect(Object.getPrototypeOf(copy.metadata)).toBe(Object.prototype);
    expect(Object.keys(copy.metadata)).toEqual(["__proto__", "name"]);
    expect(Object.getOwnPropertyDescriptor(copy.metadata, "__proto__")?.value).toEqual({ polluted: true });
    expect((copy.metadata as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it("copies a value that is not plain JSON, such as a Date, as structuredClone does", () => {
    const when = new Date("2026-01-01T00:00:00Z");
    const copy = cloneJson({ when });
    expect(copy.when).not.toBe(when);
    expect(copy.when.getTime()).toBe(when.getTime());
  });
});
