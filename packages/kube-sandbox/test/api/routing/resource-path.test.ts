import { describe, expect, it } from "vitest";
import { parseApiPath, pathSegments } from "../../../src/api/routing/resource-path.js";

const parse = (path: string) => {
  const parsed = parseApiPath(pathSegments(path)!);
  if (parsed.kind !== "resource")
    return parsed.kind === "group-version" ? `${parsed.group}/${parsed.version}` : parsed.kind;
  const { resource, namespace, name, subresource } = parsed.route;
  return { resource, namespace, name, subresource };
};

describe("parseApiPath", () => {
  it("reads namespaced, all-namespace and cluster paths", () => {
    expect(parse("/api/v1/namespaces/ns/pods/p/log")).toEqual({
      resource: "pods",
      namespace: "ns",
      name: "p",
      subresource: "log",
    });
    expect(parse("/api/v1/pods")).toEqual({
      resource: "pods",
      namespace: undefined,
      name: undefined,
      subresource: undefined,
    });
    expect(parse("/api/v1/namespaces/ns")).toEqual({
      resource: "namespaces",
      namespace: undefined,
      name: "ns",
      subresource: undefined,
    });
    expect(parse("/api/v1/namespaces")).toMatchObject({ resource: "namespaces", name: undefined });
    expect(parse("/apis/apps/v1/namespaces/ns/deployments/d/scale")).toEqual({
      resource: "deployments.apps",
      namespace: "ns",
      name: "d",
      subresource: "scale",
    });
    expect(parse("/apis/coordination.k8s.io/v1/namespaces/kube-system/leases")).toMatchObject({
      resource: "leases.coordination.k8s.io",
      namespace: "kube-system",
    });
  });

  it("reads group-version discovery paths", () => {
    expect(parse("/api/v1")).toBe("/v1");
    expect(parse("/apis/apps/v1")).toBe("apps/v1");
  });

  it("rejects what is not served", () => {
    expect(parse("/apis/apps/v2/deployments")).toBe("unknown");
    expect(parse("/api/v1/widgets")).toBe("unknown");
    expect(parse("/api/v1/pods/p")).toBe("unknown");
    expect(parse("/api/v1/namespaces/ns/pods/p/log/extra")).toBe("unknown");
    expect(parse("/api/v1/namespaces/ns/namespaces/x")).toBe("unknown");
    expect(pathSegments("/api/%E0%A4%A")).toBeUndefined();
  });
});
