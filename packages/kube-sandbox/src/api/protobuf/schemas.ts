/**
 * The protobuf shapes (field numbers from Kubernetes' generated.proto) of the few types clients
 * send as protobuf bodies: Helm stores releases in Secrets (or ConfigMaps) and deletes them with
 * DeleteOptions through a protobuf client.
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
};
