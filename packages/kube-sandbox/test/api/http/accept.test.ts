import { describe, expect, it } from "vitest";
import { tableRequest } from "../../../src/api/http/accept.js";

describe("tableRequest", () => {
  it("recognises kubectl's Table Accept header", () => {
    const accept =
      "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
    expect(tableRequest(accept, null)).toEqual({ version: "v1", includeObject: "Metadata" });
    expect(tableRequest("application/json;as=Table;v=v1beta1;g=meta.k8s.io", "Object")).toEqual({
      version: "v1beta1",
      includeObject: "Object",
    });
  });

  it("answers plain JSON to everyone else", () => {
    expect(tableRequest("application/json", null)).toBeUndefined();
    expect(tableRequest("application/vnd.kubernetes.protobuf,application/json", null)).toBeUndefined();
    expect(tableRequest("application/json;as=Table;v=v2;g=meta.k8s.io", null)).toBeUndefined();
    expect(tableRequest(undefined, null)).toBeUndefined();
  });
});
