/** The resource types the sandbox API server serves, with what discovery says of them. */
export interface ResourceType {
  /** Plural name in URLs: `pods`, `deployments`. */
  plural: string;
  singular: string;
  kind: string;
  /** API group; "" for the core group. */
  group: string;
  version: string;
  namespaced: boolean;
  shortNames: string[];
  verbs: string[];
  /** Subresources served, e.g. `log`, `exec`, `eviction`, `scale`, `status`. */
  subresources: { name: string; kind: string; group?: string; version?: string; verbs: string[] }[];
  /** Discovery categories; `all` makes `kubectl get all` include the type. */
  categories: string[];
}

/** Types `kubectl get all` shows, as in Kubernetes. */
const IN_CATEGORY_ALL = new Set(["pods", "services", "deployments", "replicasets", "statefulsets"]);

const ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

function type(
  group: string,
  version: string,
  plural: string,
  kind: string,
  shortNames: string[] = [],
  subresources: ResourceType["subresources"] = [],
  namespaced = true,
): ResourceType {
  return {
    plural,
    singular: kind.toLowerCase(),
    kind,
    group,
    version,
    namespaced,
    shortNames,
    verbs: ALL_VERBS,
    subresources,
    categories: IN_CATEGORY_ALL.has(plural) ? ["all"] : [],
  };
}

/** A type that is only ever created, and answered rather than stored: the self-reviews of `kubectl auth`. */
function review(group: string, plural: string, kind: string): ResourceType {
  return { ...type(group, "v1", plural, kind, [], [], false), verbs: ["create"] };
}

export const RESOURCE_TYPES: readonly ResourceType[] = [
  type("", "v1", "namespaces", "Namespace", ["ns"], [], false),
  type("", "v1", "nodes", "Node", ["no"], [{ name: "status", kind: "Node", verbs: ["get", "patch", "update"] }], false),
  type(
    "",
    "v1",
    "pods",
    "Pod",
    ["po"],
    [
      { name: "eviction", kind: "Eviction", group: "policy", version: "v1", verbs: ["create"] },
      { name: "log", kind: "Pod", verbs: ["get"] },
      { name: "exec", kind: "PodExecOptions", verbs: ["create", "get"] },
      { name: "portforward", kind: "PodPortForwardOptions", verbs: ["create", "get"] },
      { name: "status", kind: "Pod", verbs: ["get", "patch", "update"] },
    ],
  ),
  type("", "v1", "services", "Service", ["svc"]),
  type("", "v1", "endpoints", "Endpoints", ["ep"]),
  type(
    "",
    "v1",
    "persistentvolumeclaims",
    "PersistentVolumeClaim",
    ["pvc"],
    [{ name: "status", kind: "PersistentVolumeClaim", verbs: ["get", "patch", "update"] }],
  ),
  type("", "v1", "persistentvolumes", "PersistentVolume", ["pv"], [], false),
  type("", "v1", "events", "Event", ["ev"]),
  type("", "v1", "configmaps", "ConfigMap", ["cm"]),
  type("", "v1", "secrets", "Secret"),
  type(
    "",
    "v1",
    "serviceaccounts",
    "ServiceAccount",
    ["sa"],
    [{ name: "token", kind: "TokenRequest", group: "authentication.k8s.io", version: "v1", verbs: ["create"] }],
  ),
  type(
    "apps",
    "v1",
    "deployments",
    "Deployment",
    ["deploy"],
    [
      { name: "scale", kind: "Scale", group: "autoscaling", version: "v1", verbs: ["get", "patch", "update"] },
      { name: "status", kind: "Deployment", verbs: ["get", "patch", "update"] },
    ],
  ),
  type(
    "apps",
    "v1",
    "replicasets",
    "ReplicaSet",
    ["rs"],
    [
      { name: "scale", kind: "Scale", group: "autoscaling", version: "v1", verbs: ["get", "patch", "update"] },
      { name: "status", kind: "ReplicaSet", verbs: ["get", "patch", "update"] },
    ],
  ),
  type(
    "apps",
    "v1",
    "statefulsets",
    "StatefulSet",
    ["sts"],
    [
      { name: "scale", kind: "Scale", group: "autoscaling", version: "v1", verbs: ["get", "patch", "update"] },
      { name: "status", kind: "StatefulSet", verbs: ["get", "patch", "update"] },
    ],
  ),
  type("apps", "v1", "controllerrevisions", "ControllerRevision"),
  type("coordination.k8s.io", "v1", "leases", "Lease"),
  type("storage.k8s.io", "v1", "storageclasses", "StorageClass", ["sc"], [], false),
  type("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice"),
  type("rbac.authorization.k8s.io", "v1", "roles", "Role"),
  type("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding"),
  type("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", [], [], false),
  type("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", [], [], false),
  review("authorization.k8s.io", "selfsubjectaccessreviews", "SelfSubjectAccessReview"),
  review("authorization.k8s.io", "selfsubjectrulesreviews", "SelfSubjectRulesReview"),
  review("authentication.k8s.io", "selfsubjectreviews", "SelfSubjectReview"),
];

/** Whether a type is a review: created only, answered, never stored. */
export function isReview(t: ResourceType): boolean {
  return t.verbs.length === 1 && t.verbs[0] === "create";
}

/** `group/version`, or `version` for the core group. */
export function groupVersion(t: Pick<ResourceType, "group" | "version">): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

/** The catalog key of a type: `pods`, `deployments.apps`. */
export function resourceKey(t: Pick<ResourceType, "group" | "plural">): string {
  return t.group ? `${t.plural}.${t.group}` : t.plural;
}

export function findResourceType(group: string, version: string, plural: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.group === group && t.version === version && t.plural === plural);
}

export function resourceTypeOf(key: string): ResourceType {
  const t = RESOURCE_TYPES.find((r) => resourceKey(r) === key);
  if (!t) throw new Error(`unknown resource type ${key}`);
  return t;
}

/** Whether a type serves a subresource (`status`, `scale`, `log`, `exec`). */
export function servesSubresource(t: ResourceType, name: string): boolean {
  return t.subresources.some((s) => s.name === name);
}
