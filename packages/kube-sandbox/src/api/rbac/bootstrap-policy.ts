import { AUTHENTICATED_GROUP, SYSTEM_MASTERS, UNAUTHENTICATED_GROUP } from "../auth/user-info.js";
import type { ObjectStore } from "../object-store.js";
import type { PolicyRule } from "./policy-rule.js";
import { RBAC_GROUP, RBAC_RESOURCES } from "./rbac-resources.js";

const READ = ["get", "list", "watch"];
const WRITE = ["create", "delete", "deletecollection", "patch", "update"];

/** What `view` may read: the sandbox's namespaced types but Secrets, Roles and bindings. */
const VIEW_RULES: PolicyRule[] = [
  {
    apiGroups: [""],
    resources: [
      "configmaps",
      "endpoints",
      "events",
      "persistentvolumeclaims",
      "persistentvolumeclaims/status",
      "pods",
      "pods/log",
      "pods/status",
      "serviceaccounts",
      "services",
      "services/status",
      "namespaces",
      "namespaces/status",
    ],
    verbs: READ,
  },
  {
    apiGroups: ["apps"],
    resources: [
      "controllerrevisions",
      "deployments",
      "deployments/scale",
      "deployments/status",
      "replicasets",
      "replicasets/scale",
      "replicasets/status",
      "statefulsets",
      "statefulsets/scale",
      "statefulsets/status",
    ],
    verbs: READ,
  },
  { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: READ },
];

/** What `edit` adds: writing those types, Secrets, exec and the like, and tokens of ServiceAccounts. */
const EDIT_RULES: PolicyRule[] = [
  ...VIEW_RULES,
  { apiGroups: [""], resources: ["secrets"], verbs: [...READ, ...WRITE] },
  {
    apiGroups: [""],
    resources: ["configmaps", "endpoints", "persistentvolumeclaims", "pods", "serviceaccounts", "services"],
    verbs: WRITE,
  },
  {
    apiGroups: [""],
    resources: ["pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "services/proxy"],
    verbs: ["create", "get"],
  },
  { apiGroups: [""], resources: ["pods/eviction", "serviceaccounts/token"], verbs: ["create"] },
  {
    apiGroups: ["apps"],
    resources: [
      "deployments",
      "deployments/scale",
      "replicasets",
      "replicasets/scale",
      "statefulsets",
      "statefulsets/scale",
    ],
    verbs: WRITE,
  },
  { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: WRITE },
  { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: [...READ, ...WRITE] },
];

/** What `admin` adds: Roles and RoleBindings of the namespace. */
const ADMIN_RULES: PolicyRule[] = [
  ...EDIT_RULES,
  { apiGroups: [RBAC_GROUP], resources: ["roles", "rolebindings"], verbs: [...READ, ...WRITE] },
];

const DISCOVERY_URLS = ["/api", "/api/*", "/apis", "/apis/*", "/openapi", "/openapi/*"];
const PUBLIC_INFO_URLS = ["/healthz", "/livez", "/readyz", "/version", "/version/"];

/** The ClusterRoles every sandbox starts with, by name. */
const CLUSTER_ROLES: Record<string, PolicyRule[]> = {
  "cluster-admin": [
    { apiGroups: ["*"], resources: ["*"], verbs: ["*"] },
    { nonResourceURLs: ["*"], verbs: ["*"] },
  ],
  admin: ADMIN_RULES,
  edit: EDIT_RULES,
  view: VIEW_RULES,
  "system:discovery": [{ nonResourceURLs: [...DISCOVERY_URLS, ...PUBLIC_INFO_URLS], verbs: ["get"] }],
  "system:public-info-viewer": [{ nonResourceURLs: PUBLIC_INFO_URLS, verbs: ["get"] }],
  "system:basic-user": [
    {
      apiGroups: ["authorization.k8s.io"],
      resources: ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
      verbs: ["create"],
    },
    { apiGroups: ["authentication.k8s.io"], resources: ["selfsubjectreviews"], verbs: ["create"] },
  ],
};

/** The ClusterRoleBindings every sandbox starts with: binding and role name, and the groups bound. */
const CLUSTER_ROLE_BINDINGS: Record<string, string[]> = {
  "cluster-admin": [SYSTEM_MASTERS],
  "system:discovery": [AUTHENTICATED_GROUP],
  "system:public-info-viewer": [AUTHENTICATED_GROUP, UNAUTHENTICATED_GROUP],
  "system:basic-user": [AUTHENTICATED_GROUP],
};

/** Names of the ClusterRoles a sandbox starts with. */
export const BOOTSTRAP_CLUSTER_ROLES = Object.keys(CLUSTER_ROLES);

const BOOTSTRAP_METADATA = {
  labels: { "kubernetes.io/bootstrapping": "rbac-defaults" },
  annotations: { "rbac.authorization.kubernetes.io/autoupdate": "true" },
};

/**
 * Creates the default ClusterRoles and ClusterRoleBindings kube-apiserver starts with, where missing: cluster-admin
 * (bound to `system:masters`), admin, edit and view (not aggregated: fixed rules over the sandbox's types), and
 * the discovery, public-info and self-review roles bound to authenticated users (public info to everyone).
 */
export function ensureBootstrapPolicy(store: ObjectStore): void {
  for (const [name, rules] of Object.entries(CLUSTER_ROLES)) {
    if (store.get(RBAC_RESOURCES.clusterRoles, undefined, name)) continue;
    store.create(RBAC_RESOURCES.clusterRoles, {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: "ClusterRole",
      metadata: { name, ...structuredClone(BOOTSTRAP_METADATA) },
      rules: structuredClone(rules),
    });
  }
  for (const [name, groups] of Object.entries(CLUSTER_ROLE_BINDINGS)) {
    if (store.get(RBAC_RESOURCES.clusterRoleBindings, undefined, name)) continue;
    store.create(RBAC_RESOURCES.clusterRoleBindings, {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: "ClusterRoleBinding",
      metadata: { name, ...structuredClone(BOOTSTRAP_METADATA) },
      roleRef: { apiGroup: RBAC_GROUP, kind: "ClusterRole", name },
      subjects: groups.map((group) => ({ apiGroup: RBAC_GROUP, kind: "Group", name: group })),
    });
  }
}
