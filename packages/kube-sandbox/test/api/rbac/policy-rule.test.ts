import { describe, expect, it } from "vitest";
import { ruleAllows, type PolicyRule } from "../../../src/api/rbac/policy-rule.js";
import type { RequestAttributes } from "../../../src/api/rbac/request-attributes.js";

function resourceRequest(overrides: Partial<RequestAttributes>): RequestAttributes {
  return {
    user: { username: "u", groups: [] },
    verb: "get",
    resourceRequest: true,
    path: "",
    apiGroup: "",
    apiVersion: "v1",
    resource: "pods",
    subresource: "",
    name: "web",
    namespace: "default",
    ...overrides,
  };
}

function pathRequest(path: string, verb = "get"): RequestAttributes {
  return { ...resourceRequest({}), resourceRequest: false, path, verb, resource: "", name: "", namespace: "" };
}

const readPods: PolicyRule = { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] };

describe("RBAC rule matching", () => {
  it("allows the verbs, group and resource a rule names, and nothing else", () => {
    expect(ruleAllows(resourceRequest({}), readPods)).toBe(true);
    expect(ruleAllows(resourceRequest({ verb: "list", name: "" }), readPods)).toBe(true);
    expect(ruleAllows(resourceRequest({ verb: "delete" }), readPods)).toBe(false);
    expect(ruleAllows(resourceRequest({ resource: "secrets" }), readPods)).toBe(false);
    expect(ruleAllows(resourceRequest({ apiGroup: "apps", resource: "pods" }), readPods)).toBe(false);
  });

  it("never lets a resource cover its subresources", () => {
    expect(ruleAllows(resourceRequest({ subresource: "log" }), readPods)).toBe(false);
    expect(ruleAllows(resourceRequest({ subresource: "exec" }), readPods)).toBe(false);
    const logs: PolicyRule = { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] };
    expect(ruleAllows(resourceRequest({ subresource: "log" }), logs)).toBe(true);
    expect(ruleAllows(resourceRequest({}), logs)).toBe(false);
    expect(ruleAllows(resourceRequest({ subresource: "exec" }), logs)).toBe(false);
  });

  it("matches a subresource of every resource with a star before it", () => {
    const scale: PolicyRule = { apiGroups: ["apps"], resources: ["*/scale"], verbs: ["update"] };
    const scaleOf = (resource: string, subresource = "scale") =>
      resourceRequest({ apiGroup: "apps", resource, subresource, verb: "update" });
    expect(ruleAllows(scaleOf("deployments"), scale)).toBe(true);
    expect(ruleAllows(scaleOf("statefulsets"), scale)).toBe(true);
    expect(ruleAllows(scaleOf("deployments", "status"), scale)).toBe(false);
    expect(ruleAllows(resourceRequest({ apiGroup: "apps", resource: "deployments", verb: "update" }), scale)).toBe(
      false,
    );
  });

  it("lets stars stand for every verb, group and resource, subresources too", () => {
    const everything: PolicyRule = { apiGroups: ["*"], resources: ["*"], verbs: ["*"] };
    expect(ruleAllows(resourceRequest({ verb: "deletecollection", apiGroup: "apps" }), everything)).toBe(true);
    expect(ruleAllows(resourceRequest({ subresource: "eviction", verb: "create" }), everything)).toBe(true);
    expect(ruleAllows(pathRequest("/version"), everything)).toBe(false);
  });

  it("limits a rule with resourceNames to those names, which a request without a name never has", () => {
    const one: PolicyRule = { ...readPods, resourceNames: ["web"] };
    expect(ruleAllows(resourceRequest({ name: "web" }), one)).toBe(true);
    expect(ruleAllows(resourceRequest({ name: "db" }), one)).toBe(false);
    expect(ruleAllows(resourceRequest({ verb: "list", name: "" }), one)).toBe(false);
  });

  it("matches paths exactly or by a prefix ending in a star, only for requests that name no resource", () => {
    const discovery: PolicyRule = { nonResourceURLs: ["/version", "/apis/*"], verbs: ["get"] };
    expect(ruleAllows(pathRequest("/version"), discovery)).toBe(true);
    expect(ruleAllows(pathRequest("/version/x"), discovery)).toBe(false);
    expect(ruleAllows(pathRequest("/apis/apps/v1"), discovery)).toBe(true);
    expect(ruleAllows(pathRequest("/apis"), discovery)).toBe(false);
    expect(ruleAllows(pathRequest("/version", "post"), discovery)).toBe(false);
    expect(ruleAllows(resourceRequest({}), discovery)).toBe(false);
    expect(ruleAllows(pathRequest("/healthz"), readPods)).toBe(false);
  });
});
