import { describe, expect, it } from "vitest";
import { jsonPatch, parseJsonPatch } from "../../../src/api/patch/json-patch.js";
import { StatusError } from "../../../src/api/status-error.js";

const doc = () => ({ metadata: { name: "x", labels: { a: "1", "b/c": "2" } }, spec: { list: [1, 2, 3] } });

function codeOf(run: () => unknown): number | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof StatusError ? error.code : -1;
  }
  return undefined;
}

describe("jsonPatch (RFC 6902)", () => {
  it("adds, removes and replaces, with ~1 and - in pointers", () => {
    const out = jsonPatch(
      doc(),
      parseJsonPatch([
        { op: "add", path: "/spec/list/-", value: 4 },
        { op: "add", path: "/spec/list/0", value: 0 },
        { op: "remove", path: "/metadata/labels/b~1c" },
        { op: "replace", path: "/metadata/name", value: "y" },
      ]),
    );
    expect(out).toEqual({ metadata: { name: "y", labels: { a: "1" } }, spec: { list: [0, 1, 2, 3, 4] } });
  });

  it("moves and copies values", () => {
    const out = jsonPatch(
      doc(),
      parseJsonPatch([
        { op: "copy", from: "/metadata/labels/a", path: "/spec/copied" },
        { op: "move", from: "/spec/list", path: "/spec/moved" },
      ]),
    );
    expect(out).toEqual({ metadata: doc().metadata, spec: { copied: "1", moved: [1, 2, 3] } });
  });

  it("passes a matching test and answers 422 for a failed one or a missing path", () => {
    expect(jsonPatch(doc(), parseJsonPatch([{ op: "test", path: "/spec/list", value: [1, 2, 3] }]))).toEqual(doc());
    expect(codeOf(() => jsonPatch(doc(), parseJsonPatch([{ op: "test", path: "/metadata/name", value: "z" }])))).toBe(
      422,
    );
    expect(codeOf(() => jsonPatch(doc(), parseJsonPatch([{ op: "remove", path: "/nope" }])))).toBe(422);
    expect(codeOf(() => jsonPatch(doc(), parseJsonPatch([{ op: "replace", path: "/spec/list/9", value: 1 }])))).toBe(
      422,
    );
    expect(codeOf(() => jsonPatch(doc(), parseJsonPatch([{ op: "move", from: "/spec", path: "/spec/inner" }])))).toBe(
      422,
    );
  });

  it("answers 400 for a document that is not a list of operations", () => {
    expect(codeOf(() => parseJsonPatch({ op: "add" }))).toBe(400);
    expect(codeOf(() => parseJsonPatch([{ op: "frobnicate", path: "/" }]))).toBe(400);
    expect(codeOf(() => parseJsonPatch([{ op: "add", path: "/a" }]))).toBe(400);
  });

  it("applies all or nothing and leaves the input alone", () => {
    const original = doc();
    expect(
      codeOf(() =>
        jsonPatch(
          original,
          parseJsonPatch([
            { op: "remove", path: "/spec" },
            { op: "remove", path: "/spec" },
          ]),
        ),
      ),
    ).toBe(422);
    expect(original).toEqual(doc());
  });
});
