import { describe, expect, it } from "vitest";
import { REQUIRED_PERMISSIONS } from "../../src/gateways/kubernetes/kubernetes-gateway.js";
import {
  describeAccess,
  missingPermissionsMessage,
  requiredAccess,
  roleRules,
} from "../../src/recovery/permissions.js";

describe("requiredAccess", () => {
  it("asks for every verb of every required permission, subresources split off, in the cluster's namespace", () => {
    const access = requiredAccess(REQUIRED_PERMISSIONS, "etcd-prod");
    expect(access).toHaveLength(REQUIRED_PERMISSIONS.flatMap((p) => p.verbs).length);
    expect(access.every((a) => a.namespace === "etcd-prod")).toBe(true);
    // The Deployment update only Start makes is asked for up front too.
    expect(access).toContainEqual({ verb: "update", group: "apps", resource: "deployments", namespace: "etcd-prod" });
    expect(access).toContainEqual({
      verb: "patch",
      group: "apps",
      resource: "deployments",
      subresource: "scale",
      namespace: "etcd-prod",
    });
    expect(access).toContainEqual({
      verb: "get",
      group: "",
      resource: "pods",
      subresource: "log",
      namespace: "etcd-prod",
    });
    const leaseVerbs = access.filter((a) => a.resource === "leases").map((a) => a.verb);
    expect(leaseVerbs).toEqual(["get", "create", "update", "delete"]);
  });
});

describe("describeAccess", () => {
  it("names the verb, the resource with its group as kubectl spells it, and the namespace", () => {
    const [update, scale, log, events] = requiredAccess(
      [
        { apiGroup: "apps", resource: "deployments", verbs: ["update"] },
        { apiGroup: "apps", resource: "deployments/scale", verbs: ["patch"] },
        { apiGroup: "", resource: "pods/log", verbs: ["get"] },
        { apiGroup: "", resource: "events", verbs: ["create"] },
      ],
      "default",
    );
    expect(describeAccess(update!)).toBe("update deployments.apps in namespace default");
    expect(describeAccess(scale!)).toBe("patch deployments/scale.apps in namespace default");
    expect(describeAccess(log!)).toBe("get pods/log in namespace default");
    expect(describeAccess(events!)).toBe("create events in namespace default");
  });
});

describe("roleRules", () => {
  it("makes one rule per group and resource, with every missing verb of it", () => {
    const missing = requiredAccess(
      [
        { apiGroup: "coordination.k8s.io", resource: "leases", verbs: ["create", "update"] },
        { apiGroup: "apps", resource: "deployments", verbs: ["update"] },
        { apiGroup: "", resource: "pods/log", verbs: ["get"] },
      ],
      "default",
    );
    expect(roleRules(missing)).toEqual([
      '- apiGroups: ["coordination.k8s.io"] resources: ["leases"] verbs: ["create", "update"]',
      '- apiGroups: ["apps"] resources: ["deployments"] verbs: ["update"]',
      '- apiGroups: [""] resources: ["pods/log"] verbs: ["get"]',
    ]);
  });
});

describe("missingPermissionsMessage", () => {
  it("names each missing permission and the rules to add to the Role", () => {
    const one = requiredAccess([{ apiGroup: "apps", resource: "deployments", verbs: ["update"] }], "default");
    expect(missingPermissionsMessage(one)).toBe(
      "the responder lacks a permission the recovery needs: update deployments.apps in namespace default. " +
        "Add to the responder's Role in namespace default (the Helm chart's Role has them): " +
        '- apiGroups: ["apps"] resources: ["deployments"] verbs: ["update"]',
    );
    const two = requiredAccess(
      [
        { apiGroup: "apps", resource: "deployments", verbs: ["update"] },
        { apiGroup: "", resource: "pods/log", verbs: ["get"] },
      ],
      "shop",
    );
    const message = missingPermissionsMessage(two);
    expect(message).toMatch(
      /^the responder lacks 2 permissions the recovery needs: update deployments\.apps in namespace shop, get pods/,
    );
    expect(message).toMatch(/Role in namespace shop .*: - apiGroups: \["apps"\] .* - apiGroups: \[""\] /);
    expect(message.endsWith('- apiGroups: [""] resources: ["pods/log"] verbs: ["get"]')).toBe(true);
  });
});
