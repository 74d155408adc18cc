import { describe, expect, it } from "vitest";
import { mergePatch } from "../../../src/api/patch/merge-patch.js";

describe("mergePatch (RFC 7386)", () => {
  it("merges objects, removes keys set to null and replaces arrays", () => {
    const target = { a: "b", c: { d: "e", f: "g" }, list: [1, 2] };
    expect(mergePatch(target, { a: "z", c: { f: null, h: 1 }, list: [3] })).toEqual({
      a: "z",
      c: { d: "e", h: 1 },
      list: [3],
    });
    expect(target).toEqual({ a: "b", c: { d: "e", f: "g" }, list: [1, 2] });
  });

  it("follows the RFC's examples for non-object values", () => {
    expect(mergePatch({ a: "b" }, { a: { bb: { ccc: null } } })).toEqual({ a: { bb: {} } });
    expect(mergePatch({ a: "foo" }, "bar")).toBe("bar");
    expect(mergePatch(["a"], { a: "b" })).toEqual({ a: "b" });
    expect(mergePatch({ e: null }, { a: 1 })).toEqual({ e: null, a: 1 });
  });
});
