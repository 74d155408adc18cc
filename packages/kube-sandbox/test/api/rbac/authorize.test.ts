import { beforeEach, describe, expect, it } from "vitest";
import { serviceAccountGroups, type UserInfo } from "../../../src/api/auth/user-info.js";
import { ObjectStore } from "../../../src/api/object-store.js";
import { authorize } from "../../../src/api/rbac/authorize.js";
import { ensureBootstrapPolicy } from "../../../src/api/rbac/bootstrap-policy.js";
import { forbiddenError } from "../../../src/api/rbac/forbidden.js";
import { requestAttributes } from "../../../src/api/rbac/request-attributes.js";

const RBAC = "rbac.authorization.k8s.io";
const robot: UserInfo = { username: "system:serviceaccount:team:robot", groups: serviceAccountGroups("team") };
const alice: UserInfo = { username: "alice", groups: ["developers", "system:authenticated"] };

const attributes = (user: UserInfo, method: string, path: string) =>
  requestAttributes(user, method, new URL(path, "https://apiserver.invalid"));

describe("RBAC authorization", () => {
  let store: ObjectStore;
  const create = (resource: string, obj: Record<string, unknown>) =>
    store.create(`${resource}.${RBAC}`, obj as Parameters<ObjectStore["create"]>[1]);
  const role = (namespace: string, name: string, rules: unknown[]) =>
    create("roles", { apiVersion: `${RBAC}/v1`, kind: "Role", metadata: { name, namespace }, rules });
  const roleBinding = (namespace: string, name: string, roleRef: unknown, subjects: unknown[]) =>
    create("rolebindings", {
      apiVersion: `${RBAC}/v1`,
      kind: "RoleBinding",
      metadata: { name, namespace },
      roleRef,
      subjects,
    });

  beforeEach(() => {
    store = new ObjectStore();
    ensureBootstrapPolicy(store);
  });

  it("allows system:masters everything, and an authenticated user only discovery and self-reviews", () => {
    const admin = { username: "root", groups: ["system:masters", "system:authenticated"] };
    expect(authorize(store, attributes(admin, "DELETE", "/api/v1/namespaces/x/secrets")).allowed).toBe(true);
    expect(authorize(store, attributes(admin, "POST", "/anything")).allowed).toBe(true);
    expect(authorize(store, attributes(alice, "GET", "/apis/apps/v1")).allowed).toBe(true);
    expect(authorize(store, attributes(alice, "GET", "/version")).allowed).toBe(true);
    const review = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
    expect(authorize(store, attributes(alice, "POST", review)).allowed).toBe(true);
    expect(authorize(store, attributes(alice, "GET", "/api/v1/namespaces/default/pods")).allowed).toBe(false);
  });

  it("grants a Role to the ServiceAccount a RoleBinding names, in that namespace only", () => {
    role("team", "pod-reader", [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }]);
    roleBinding("team", "robot-reads", { apiGroup: RBAC, kind: "Role", name: "pod-reader" }, [
      { kind: "ServiceAccount", name: "robot" },
    ]);
    const decision = authorize(store, attributes(robot, "GET", "/api/v1/namespaces/team/pods"));
    expect(decision).toEqual({
      allowed: true,
      reason: 'RBAC: allowed by RoleBinding "robot-reads/team" of Role "pod-reader" to ServiceAccount "robot/team"',
    });
    expect(authorize(store, attributes(robot, "GET", "/api/v1/namespaces/other/pods")).allowed).toBe(false);
    expect(authorize(store, attributes(robot, "GET", "/api/v1/pods")).allowed).toBe(false);
    expect(authorize(store, attributes(robot, "GET", "/api/v1/namespaces/team/secrets")).allowed).toBe(false);
  });

  it("grants a ClusterRole by a ClusterRoleBinding everywhere, and by a RoleBinding in its namespace", () => {
    create("clusterrolebindings", {
      apiVersion: `${RBAC}/v1`,
      kind: "ClusterRoleBinding",
      metadata: { name: "devs-view" },
      roleRef: { apiGroup: RBAC, kind: "ClusterRole", name: "view" },
      subjects: [{ kind: "Group", name: "developers", apiGroup: RBAC }],
    });
    roleBinding("team", "robot-edits", { apiGroup: RBAC, kind: "ClusterRole", name: "edit" }, [
      { kind: "ServiceAccount", name: "robot", namespace: "team" },
    ]);
    expect(authorize(store, attributes(alice, "GET", "/apis/apps/v1/deployments")).allowed).toBe(true);
    expect(authorize(store, attributes(alice, "GET", "/api/v1/namespaces/a/pods/x/log")).allowed).toBe(true);
    expect(authorize(store, attributes(alice, "GET", "/api/v1/namespaces/a/secrets")).allowed).toBe(false);
    expect(authorize(store, attributes(robot, "POST", "/api/v1/namespaces/team/secrets")).allowed).toBe(true);
    expect(authorize(store, attributes(robot, "POST", "/api/v1/namespaces/team/pods/x/exec")).allowed).toBe(true);
    expect(authorize(store, attributes(robot, "POST", "/api/v1/namespaces/other/secrets")).allowed).toBe(false);
  });

  it("grants by user name and group, never to a ServiceAccount of another namespace", () => {
    role("team", "lister", [{ apiGroups: [""], resources: ["configmaps"], verbs: ["list"] }]);
    roleBinding("team", "people", { apiGroup: RBAC, kind: "Role", name: "lister" }, [
      { kind: "User", name: "alice", apiGroup: RBAC },
      { kind: "ServiceAccount", name: "robot", namespace: "elsewhere" },
    ]);
    expect(authorize(store, attributes(alice, "GET", "/api/v1/namespaces/team/configmaps")).allowed).toBe(true);
    expect(authorize(store, attributes(robot, "GET", "/api/v1/namespaces/team/configmaps")).allowed).toBe(false);
  });

  it("says which bound roles are missing when it denies", () => {
    roleBinding("team", "dangling", { apiGroup: RBAC, kind: "Role", name: "gone" }, [
      { kind: "ServiceAccount", name: "robot" },
    ]);
    expect(authorize(store, attributes(robot, "GET", "/api/v1/namespaces/team/pods"))).toEqual({
      allowed: false,
      reason: 'RBAC: role.rbac.authorization.k8s.io "gone" not found',
    });
  });

  it("words a denial as kube-apiserver does", () => {
    const list = attributes(robot, "GET", "/api/v1/namespaces/team/secrets");
    expect(forbiddenError(list, "").toStatus()).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message:
        'secrets is forbidden: User "system:serviceaccount:team:robot" cannot list resource "secrets" ' +
        'in API group "" in the namespace "team"',
      reason: "Forbidden",
      details: { kind: "secrets" },
      code: 403,
    });
    const exec = attributes(robot, "POST", "/api/v1/namespaces/team/pods/web/exec");
    expect(forbiddenError(exec, "").message).toBe(
      'pods "web" is forbidden: User "system:serviceaccount:team:robot" cannot create resource "pods/exec" ' +
        'in API group "" in the namespace "team"',
    );
    const nodes = attributes(alice, "GET", "/apis/storage.k8s.io/v1/storageclasses/standard");
    expect(forbiddenError(nodes, "RBAC: why").message).toBe(
      'storageclasses.storage.k8s.io "standard" is forbidden: User "alice" cannot get resource "storageclasses" ' +
        'in API group "storage.k8s.io" at the cluster scope: RBAC: why',
    );
    expect(forbiddenError(attributes(alice, "GET", "/metrics"), "").message).toBe(
      'forbidden: User "alice" cannot get path "/metrics"',
    );
  });
});
