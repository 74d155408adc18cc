import { describe, expect, it } from "vitest";
import { requestAttributes } from "../../../src/api/rbac/request-attributes.js";

const user = { username: "u", groups: [] };
const attributesOf = (method: string, path: string) =>
  requestAttributes(user, method, new URL(path, "https://apiserver.invalid"));

describe("request attributes", () => {
  it.each([
    ["GET", "/api/v1/namespaces/default/pods", "list", "pods", "", "", "default"],
    ["GET", "/api/v1/namespaces/default/pods?watch=true", "watch", "pods", "", "", "default"],
    ["GET", "/api/v1/namespaces/default/pods?watch=1", "watch", "pods", "", "", "default"],
    ["GET", "/api/v1/pods", "list", "pods", "", "", ""],
    ["GET", "/api/v1/namespaces/default/pods/web", "get", "pods", "web", "", "default"],
    ["HEAD", "/api/v1/namespaces/default/pods/web", "get", "pods", "web", "", "default"],
    ["POST", "/api/v1/namespaces/default/pods", "create", "pods", "", "", "default"],
    ["PUT", "/api/v1/namespaces/default/pods/web", "update", "pods", "web", "", "default"],
    ["PATCH", "/apis/apps/v1/namespaces/ns/deployments/web", "patch", "deployments", "web", "", "ns"],
    ["DELETE", "/api/v1/namespaces/default/pods/web", "delete", "pods", "web", "", "default"],
    ["DELETE", "/api/v1/namespaces/default/pods", "deletecollection", "pods", "", "", "default"],
    ["GET", "/api/v1/namespaces/default/pods/web/log", "get", "pods", "web", "log", "default"],
    ["POST", "/api/v1/namespaces/default/pods/web/exec", "create", "pods", "web", "exec", "default"],
    ["POST", "/api/v1/namespaces/default/pods/web/eviction", "create", "pods", "web", "eviction", "default"],
    ["PUT", "/apis/apps/v1/namespaces/d/statefulsets/db/scale", "update", "statefulsets", "db", "scale", "d"],
    ["POST", "/api/v1/namespaces/d/serviceaccounts/robot/token", "create", "serviceaccounts", "robot", "token", "d"],
    ["GET", "/api/v1/namespaces", "list", "namespaces", "", "", ""],
    ["GET", "/api/v1/namespaces/kube-system", "get", "namespaces", "kube-system", "", "kube-system"],
    ["PUT", "/api/v1/namespaces/gone/finalize", "update", "namespaces", "gone", "finalize", "gone"],
    ["GET", "/api/v1/watch/namespaces/default/pods", "watch", "pods", "", "", "default"],
    ["GET", "/api/v1/nodes/sandbox", "get", "nodes", "sandbox", "", ""],
  ])("%s %s is %s on %s %s/%s in %s", (method, path, verb, resource, name, subresource, namespace) => {
    expect(attributesOf(method, path)).toMatchObject({
      verb,
      resourceRequest: true,
      resource,
      name,
      subresource,
      namespace,
    });
  });

  it("reads the group and version of named groups, none for the core group", () => {
    expect(attributesOf("GET", "/apis/apps/v1/deployments")).toMatchObject({ apiGroup: "apps", apiVersion: "v1" });
    expect(attributesOf("GET", "/api/v1/pods")).toMatchObject({ apiGroup: "", apiVersion: "v1" });
  });

  it("takes a list narrowed to one name by a field selector as that name", () => {
    const path = "/api/v1/namespaces/default/secrets?fieldSelector=metadata.name%3Dtls&watch=true";
    expect(attributesOf("GET", path)).toMatchObject({ verb: "watch", name: "tls" });
    expect(attributesOf("GET", "/api/v1/namespaces/default/secrets?fieldSelector=metadata.name!%3Dtls")).toMatchObject({
      verb: "list",
      name: "",
    });
  });

  it.each(["/api", "/api/v1", "/apis", "/apis/apps", "/apis/apps/v1", "/version", "/healthz", "/openapi/v2"])(
    "takes %s as a path, not a resource, with the method as verb",
    (path) => {
      expect(attributesOf("GET", path)).toMatchObject({ resourceRequest: false, verb: "get", path });
      expect(attributesOf("POST", path).verb).toBe("post");
    },
  );
});
