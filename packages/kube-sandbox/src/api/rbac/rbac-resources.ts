/** The API group of Roles, ClusterRoles and their bindings. */
export const RBAC_GROUP = "rbac.authorization.k8s.io";

/** Catalog keys of the RBAC types in the object store. */
export const RBAC_RESOURCES = {
  roles: `roles.${RBAC_GROUP}`,
  clusterRoles: `clusterroles.${RBAC_GROUP}`,
  roleBindings: `rolebindings.${RBAC_GROUP}`,
  clusterRoleBindings: `clusterrolebindings.${RBAC_GROUP}`,
} as const;
