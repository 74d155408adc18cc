import type { UserInfo } from "../auth/user-info.js";
import type { KubeObject, ObjectStore } from "../object-store.js";
import type { PolicyRule } from "./policy-rule.js";
import { RBAC_RESOURCES } from "./rbac-resources.js";
import { describeSubject, subjectApplies, type Subject } from "./subjects.js";

/** The rules of one role, granted to the user by one binding. */
export interface RuleSource {
  /** `ClusterRoleBinding "b" of ClusterRole "r" to Group "g"`, as RBAC's reasons say. */
  description: string;
  rules: PolicyRule[];
}

/** Every role granted to a user where a request applies, and the bindings whose role is missing. */
export interface GrantedRules {
  sources: RuleSource[];
  /** `clusterrole.rbac.authorization.k8s.io "r" not found` for each binding of a missing role. */
  errors: string[];
}

interface Binding extends KubeObject {
  roleRef?: { kind?: string; name?: string };
  subjects?: Subject[];
}

/**
 * The rules a user holds in `namespace` ("" for cluster-scoped requests): those of every ClusterRoleBinding
 * that names the user, and of every RoleBinding of the namespace that does.
 */
export function grantedRules(store: ObjectStore, user: UserInfo, namespace: string): GrantedRules {
  const granted: GrantedRules = { sources: [], errors: [] };
  for (const binding of store.list(RBAC_RESOURCES.clusterRoleBindings) as Binding[]) {
    const subject = binding.subjects?.find((s) => subjectApplies(s, user, ""));
    if (subject) grant(granted, store, binding, "ClusterRoleBinding", describeSubject(subject, ""));
  }
  if (namespace === "") return granted;
  for (const binding of store.list(RBAC_RESOURCES.roleBindings, namespace) as Binding[]) {
    const subject = binding.subjects?.find((s) => subjectApplies(s, user, namespace));
    if (subject) grant(granted, store, binding, "RoleBinding", describeSubject(subject, namespace));
  }
  return granted;
}

function grant(
  granted: GrantedRules,
  store: ObjectStore,
  binding: Binding,
  bindingKind: "ClusterRoleBinding" | "RoleBinding",
  subject: string,
): void {
  const roleKind = binding.roleRef?.kind ?? "";
  const roleName = binding.roleRef?.name ?? "";
  const namespace = binding.metadata.namespace;
  const role =
    roleKind === "ClusterRole"
      ? store.get(RBAC_RESOURCES.clusterRoles, undefined, roleName)
      : roleKind === "Role" && bindingKind === "RoleBinding"
        ? store.get(RBAC_RESOURCES.roles, namespace, roleName)
        : undefined;
  if (!role) {
    granted.errors.push(`${roleKind.toLowerCase()}.rbac.authorization.k8s.io "${roleName}" not found`);
    return;
  }
  const bindingName = bindingKind === "RoleBinding" ? `${binding.metadata.name}/${namespace}` : binding.metadata.name;
  granted.sources.push({
    description: `${bindingKind} "${bindingName}" of ${roleKind} "${roleName}" to ${subject}`,
    rules: (role.rules as PolicyRule[] | undefined) ?? [],
  });
}
