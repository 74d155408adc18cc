/**
 * The protobuf shapes (field numbers from Kubernetes' generated.proto) of the few types clients
 * send as protobuf bodies: Helm stores releases in Secrets (or ConfigMaps) and deletes them with
 * DeleteOptions through a protobuf client; `kubectl create serviceaccount|role|rolebinding|token` and
 * `kubectl auth can-i` send theirs so too.
 */
type FieldType =
  "string" | "bytes" | "int" | "bool" | "time" | "map<string,string>" | "map<string,bytes>" | { message: string };

export interface FieldSpec {
  name: string;
  type: FieldType;
  repeated?: boolean;
}

export type MessageSchema = Record<number, FieldSpec>;

export const SCHEMAS: Record<string, MessageSchema> = {
  ObjectMeta: {
    1: { name: "name", type: "string" },
    2: { name: "generateName", type: "string" },
    3: { name: "namespace", type: "string" },
    5: { name: "uid", type: "string" },
    6: { name: "resourceVersion", type: "string" },
    7: { name: "generation", type: "int" },
    8: { name: "creationTimestamp", type: "time" },
    9: { name: "deletionTimestamp", type: "time" },
    10: { name: "deletionGracePeriodSeconds", type: "int" },
    11: { name: "labels", type: "map<string,string>" },
    12: { name: "annotations", type: "map<string,string>" },
    13: { name: "ownerReferences", type: { message: "OwnerReference" }, repeated: true },
    14: { name: "finalizers", type: "string", repeated: true },
  },
  OwnerReference: {
    1: { name: "kind", type: "string" },
    3: { name: "name", type: "string" },
    4: { name: "uid", type: "string" },
    5: { name: "apiVersion", type: "string" },
    6: { name: "controller", type: "bool" },
    7: { name: "blockOwnerDeletion", type: "bool" },
  },
  Secret: {
    1: { name: "metadata", type: { message: "ObjectMeta" } },
    2: { name: "data", type: "map<string,bytes>" },
    3: { name: "type", type: "string" },
    4: { name: "stringData", type: "map<string,string>" },
    5: { name: "immutable", type: "bool" },
  },
  ConfigMap: {
    1: { name: "metadata", type: { message: "ObjectMeta" } },
    2: { name: "data", type: "map<string,string>" },
    3: { name: "binaryData", type: "map<string,bytes>" },
    4: { name: "immutable", type: "bool" },
  },
  Namespace: {
    1: { name: "metadata", type: { message: "ObjectMeta" } },
    2: { name: "spec", type: { message: "NamespaceSpec" } },
  },
  NamespaceSpec: {
    1: { name: "finalizers", type: "string", repeated: true },
  },
  DeleteOptions: {
    1: { name: "gracePeriodSeconds", type: "int" },
    2: { name: "preconditions", type: { message: "Preconditions" } },
    3: { name: "orphanDependents", type: "bool" },
    4: { name: "propagationPolicy", type: "string" },
    5: { name: "dryRun", type: "string", repeated: true },
  },
  Preconditions: {
    1: { name: "uid", type: "string" },
    2: { name: "resourceVersion", type: "string" },
  },
  ServiceAccount: {
    1: { name: "metadata", type: { message: "ObjectMeta" } },
    2: { name: "secrets", type: { message: "ObjectReference" }, repeated: true },
    3: { name: "imagePullSecrets", type: { message: "LocalObjectReference" }, repeated: true },
    4: { name: "automountServiceAccountToken", type: "bool" },
  },
  ObjectReference: {
    1: { name: "kind", type: "string" },
    2: { name: "namespace", type: "string" },
    3: { name: "name", type: "string" },
    4: { name: "uid", type: "string" },
    5: { name: "apiVersion", type: "string" },
    6: { name: "resourceVersion", type: "string" },
    7: { name: "fieldPath", type: "string" },
  },
  LocalObjectReference: {
    1: { name: "name", type: "string" },
  },
  TokenRequest: {
    1: { name: "metadata", type: { message: "ObjectMeta" } },
    2: { name: "spec", type: { message: "TokenRequestSpec" } },
  },
  TokenRequestSpec: {
    1: { name: "audiences", type: "string", repeated: true },
    3: { name: "boundObjectRef", type: { message: "BoundObjectReference" } },
    4: { name: "expirationSeconds", type: "int" },
  },
  BoundObjectReference: {
    1: { name: "kind", type: "string" },
    2: { name: "apiVersion", type: "string" },
    3: { name: "name", type: "string" },
    4: { name: "uid", type: "string" },
  },
  SelfSubjectReview: {
    1: { name: "metadata", type: { message: "ObjectMeta" } },
  },
  SelfSubjectAccessReview: {
    1: { name: "metadata", type: { message: "ObjectMeta" } },
    2: { name: "spec", type: { message: "SelfSubjectAccessReviewSpec" } },
  },
  SelfSubjectAccessReviewSpec: {
    1: { name: "resourceAttributes", type: { message: "ResourceAttributes" } },
    2: { name: "nonResourceAttributes", type: { message: "NonResourceAttributes" } },
  },
  ResourceAttributes: {
    1: { name: "namespace", type: "string" },
    2: { name: "verb", type: "string" },
    3: { name: "group", type: "string" },
    4: { name: "version", type: "string" },
    5: { name: "resource", type: "string" },
    6: { name: "subresource", type: "string" },
    7: { name: "name", type: "string" },
  },
  NonResourceAttributes: {
    1: { name: "path", type: "string" },
    2: { name: "verb", type: "string" },
  },
  SelfSubjectRulesReview: {
    1: { name: "metadata", type: { message: "ObjectMeta" } },
    2: { name: "spec", type: { message: "SelfSubjectRulesReviewSpec" } },
  },
  SelfSubjectRulesReviewSpec: {
    1: { name: "namespace", type: "string" },
  },
  Role: {
    1: { name: "metadata", type: { message: "ObjectMeta" } },
    2: { name: "rules", type: { message: "PolicyRule" }, repeated: true },
  },
  ClusterRole: {
    1: { name: "metadata", type: { message: "ObjectMeta" } },
    2: { name: "rules", type: { message: "PolicyRule" }, repeated: true },
  },
  PolicyRule: {
    1: { name: "verbs", type: "string", repeated: true },
    2: { name: "apiGroups", type: "string", repeated: true },
    3: { name: "resources", type: "string", repeated: true },
    4: { name: "resourceNames", type: "string", repeated: true },
    5: { name: "nonResourceURLs", type: "string", repeated: true },
  },
  RoleBinding: {
    1: { name: "metadata", type: { message: "ObjectMeta" } },
    2: { name: "subjects", type: { message: "Subject" }, repeated: true },
    3: { name: "roleRef", type: { message: "RoleRef" } },
  },
  ClusterRoleBinding: {
    1: { name: "metadata", type: { message: "ObjectMeta" } },
    2: { name: "subjects", type: { message: "Subject" }, repeated: true },
    3: { name: "roleRef", type: { message: "RoleRef" } },
  },
  Subject: {
    1: { name: "kind", type: "string" },
    2: { name: "apiGroup", type: "string" },
    3: { name: "name", type: "string" },
    4: { name: "namespace", type: "string" },
  },
  RoleRef: {
    1: { name: "apiGroup", type: "string" },
    2: { name: "kind", type: "string" },
    3: { name: "name", type: "string" },
  },
};

/** The kinds a body may be, as opposed to the messages only found inside them. */
export const BODY_KINDS = new Set([
  "Secret",
  "ConfigMap",
  "Namespace",
  "DeleteOptions",
  "ServiceAccount",
  "TokenRequest",
  "SelfSubjectReview",
  "SelfSubjectAccessReview",
  "SelfSubjectRulesReview",
  "Role",
  "ClusterRole",
  "RoleBinding",
  "ClusterRoleBinding",
]);
