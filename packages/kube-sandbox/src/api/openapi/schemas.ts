import { RESOURCE_TYPES, type ResourceType } from "../resource-catalog.js";
import { readModel, type ModelField } from "./model-source.js";

/** An OpenAPI v3 schema object, as plain JSON. */
export type Schema = Record<string, unknown>;

/** Schemas by their upstream definition name (`io.k8s.api.apps.v1.Deployment`). */
export type SchemaSet = Map<string, Schema>;

/** What every served kind gets: its schema and its list's, and every schema they reach. */
export interface KindSchemas {
  schemas: SchemaSet;
  /** The definition name of each served type's kind, by the type. */
  rootOf: Map<ResourceType, string>;
  listOf: Map<ResourceType, string>;
}

const REF_PREFIX = "#/components/schemas/";
const META_PACKAGE = "io.k8s.apimachinery.pkg.apis.meta.v1";
const INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";

/** The meta/v1 types of apimachinery among the models; every other model belongs to an API group. */
const META_KINDS = new Set([
  "ObjectMeta",
  "ListMeta",
  "LabelSelector",
  "LabelSelectorRequirement",
  "OwnerReference",
  "ManagedFieldsEntry",
  "Condition",
  "Status",
  "StatusDetails",
  "StatusCause",
  "DeleteOptions",
  "Preconditions",
]);

/** Core types reached first from a kind of another group. */
const CORE_KINDS = new Set(["PodTemplateSpec"]);

/**
 * The patch strategies of lists, as upstream's document declares them (`x-kubernetes-patch-strategy`,
 * `x-kubernetes-patch-merge-key`): kubectl computes `kubectl apply`'s strategic merge patch from them. The
 * client's models do not carry them. The same lists the sandbox's strategic merge patch merges by key.
 */
const PATCH_STRATEGIES: Record<string, [strategy: string, mergeKey?: string]> = {
  "PodSpec.containers": ["merge", "name"],
  "PodSpec.initContainers": ["merge", "name"],
  "PodSpec.ephemeralContainers": ["merge", "name"],
  "PodSpec.volumes": ["merge,retainKeys", "name"],
  "PodSpec.imagePullSecrets": ["merge", "name"],
  "PodSpec.hostAliases": ["merge", "ip"],
  "PodSpec.topologySpreadConstraints": ["merge", "topologyKey"],
  "PodSpec.schedulingGates": ["merge", "name"],
  "PodSpec.resourceClaims": ["merge,retainKeys", "name"],
  "Container.env": ["merge", "name"],
  "Container.ports": ["merge", "containerPort"],
  "Container.volumeMounts": ["merge", "mountPath"],
  "Container.volumeDevices": ["merge", "devicePath"],
  "EphemeralContainer.env": ["merge", "name"],
  "EphemeralContainer.ports": ["merge", "containerPort"],
  "EphemeralContainer.volumeMounts": ["merge", "mountPath"],
  "EphemeralContainer.volumeDevices": ["merge", "devicePath"],
  "ObjectMeta.finalizers": ["merge"],
  "ObjectMeta.ownerReferences": ["merge", "uid"],
  "ServiceSpec.ports": ["merge", "port"],
  "PodStatus.conditions": ["merge", "type"],
  "PodStatus.podIPs": ["merge", "ip"],
  "PodStatus.hostIPs": ["merge", "ip"],
  "NodeStatus.conditions": ["merge", "type"],
  "NodeStatus.addresses": ["merge", "type"],
  "NamespaceStatus.conditions": ["merge", "type"],
  "PersistentVolumeClaimStatus.conditions": ["merge", "type"],
  "DeploymentStatus.conditions": ["merge", "type"],
  "ReplicaSetStatus.conditions": ["merge", "type"],
  "StatefulSetStatus.conditions": ["merge", "type"],
  "DeploymentSpec.strategy": ["retainKeys"],
};

const MODEL_NAME = /^([A-Z][a-z]+)?(V\d+(?:alpha\d+|beta\d+)?)([A-Z]\w*)$/;

/** `authorization.k8s.io` -> `authorization`, `""` -> `core`: the package of a group's types upstream. */
function groupPackage(group: string): string {
  return group === "" ? "core" : group.split(".")[0]!;
}

function capitalized(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** The client's class of a served type's kind: `CoreV1Event` where the group prefixes it, else `V1Pod`. */
function modelOf(t: Pick<ResourceType, "group" | "version">, kind: string): string | undefined {
  const version = capitalized(t.version);
  const candidates = [`${capitalized(groupPackage(t.group))}${version}${kind}`, `${version}${kind}`];
  return candidates.find((name) => readModel(name) !== undefined);
}

let built: KindSchemas | undefined;

/** The schemas of every served kind, built on first use. */
export function kindSchemas(): KindSchemas {
  built ??= buildKindSchemas(RESOURCE_TYPES);
  return built;
}

/** Builds the schemas of the types' kinds and lists; exported for tests. */
export function buildKindSchemas(types: readonly ResourceType[]): KindSchemas {
  const builder = new SchemaBuilder();
  const rootOf = new Map<ResourceType, string>();
  const listOf = new Map<ResourceType, string>();
  // The core group comes first, so the types its kinds reach are named as core types.
  const ordered = [...types].sort((a, b) => Number(a.group !== "") - Number(b.group !== ""));
  for (const t of ordered) {
    const gvk = { group: t.group, version: t.version, kind: t.kind };
    const root = builder.kind(t, t.kind, gvk);
    if (root) rootOf.set(t, root);
    const list = builder.kind(t, `${t.kind}List`, { ...gvk, kind: `${t.kind}List` });
    if (list) listOf.set(t, list);
  }
  builder.schemas.set(INT_OR_STRING, {
    description:
      "IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and " +
      "unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field " +
      "that can accept a name or number.",
    type: "string",
    format: "int-or-string",
  });
  return { schemas: builder.schemas, rootOf, listOf };
}

class SchemaBuilder {
  readonly schemas: SchemaSet = new Map();
  /** Upstream name of each client class met so far. */
  private readonly names = new Map<string, string>();

  kind(t: ResourceType, kind: string, gvk: Record<string, string>): string | undefined {
    const model = modelOf(t, kind);
    if (!model) return undefined;
    const name = this.model(model, groupPackage(t.group));
    const schema = this.schemas.get(name)!;
    schema["x-kubernetes-group-version-kind"] = [gvk];
    return name;
  }

  /** The upstream name of a client class, its schema (and those it reaches) added on first sight. */
  private model(className: string, inheritedPackage: string): string {
    const known = this.names.get(className);
    if (known) return known;
    const parts = MODEL_NAME.exec(className);
    const version = parts?.[2]?.toLowerCase() ?? "v1";
    const kind = parts?.[3] ?? className;
    let name: string;
    if (META_KINDS.has(kind) && !parts?.[1]) name = `${META_PACKAGE}.${kind}`;
    else {
      const pkg = parts?.[1] ? parts[1].toLowerCase() : CORE_KINDS.has(kind) ? "core" : inheritedPackage;
      name = `io.k8s.api.${pkg}.${version}.${kind}`;
    }
    this.names.set(className, name);
    const model = readModel(className);
    if (!model) {
      this.schemas.set(name, { type: "object", "x-kubernetes-preserve-unknown-fields": true });
      return name;
    }
    const schema: Schema = {};
    if (model.description) schema.description = model.description;
    schema.type = "object";
    this.schemas.set(name, schema);
    const pkg = name.startsWith("io.k8s.api.") ? name.split(".")[3]! : inheritedPackage;
    const properties: Record<string, Schema> = {};
    for (const field of model.fields) properties[field.json] = this.field(kind, field, pkg);
    schema.properties = properties;
    const required = model.fields.filter((f) => f.required).map((f) => f.json);
    if (required.length > 0) schema.required = required;
    return name;
  }

  private field(kind: string, field: ModelField, pkg: string): Schema {
    const schema = this.typeSchema(field.type, field.format, pkg);
    if (field.description) schema.description = field.description;
    const strategy = PATCH_STRATEGIES[`${kind}.${field.json}`];
    if (strategy) {
      if (strategy[1]) schema["x-kubernetes-patch-merge-key"] = strategy[1];
      schema["x-kubernetes-patch-strategy"] = strategy[0];
    }
    return schema;
  }

  private typeSchema(type: string, format: string, pkg: string): Schema {
    const array = /^Array<(.+)>$/.exec(type);
    if (array) return { type: "array", items: this.typeSchema(array[1]!, format, pkg) };
    const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
    if (map) return { type: "object", additionalProperties: this.typeSchema(map[1]!, format, pkg) };
    switch (type) {
      case "string":
        return format ? { type: "string", format } : { type: "string" };
      case "number":
        return format === "int32" || format === "int64" ? { type: "integer", format } : { type: "number", format };
      case "boolean":
        return { type: "boolean" };
      case "Date":
        return { type: "string", format: "date-time" };
      case "any":
      case "object":
        return { type: "object", "x-kubernetes-preserve-unknown-fields": true };
      case "IntOrString":
        return { allOf: [{ $ref: REF_PREFIX + INT_OR_STRING }] };
      default:
        return { allOf: [{ $ref: REF_PREFIX + this.model(type, pkg) }], default: {} };
    }
  }
}

/** The name a `$ref` (or an `allOf` of one) points to, if the schema is one. */
export function referencedName(schema: Schema): string | undefined {
  const direct = schema.$ref;
  if (typeof direct === "string") return direct.slice(REF_PREFIX.length);
  const allOf = schema.allOf;
  if (Array.isArray(allOf) && allOf.length === 1) {
    const ref = (allOf[0] as Schema).$ref;
    if (typeof ref === "string") return ref.slice(REF_PREFIX.length);
  }
  return undefined;
}

/** The schemas `roots` reach, themselves included: what one OpenAPI document must carry. */
export function reachable(schemas: SchemaSet, roots: Iterable<string>): SchemaSet {
  const out: SchemaSet = new Map();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(visit);
      return;
    }
    if (value === null || typeof value !== "object") return;
    for (const [key, inner] of Object.entries(value)) {
      if (key === "$ref" && typeof inner === "string") add(inner.slice(REF_PREFIX.length));
      else visit(inner);
    }
  };
  const add = (name: string): void => {
    if (out.has(name)) return;
    const schema = schemas.get(name);
    if (!schema) return;
    out.set(name, schema);
    visit(schema);
  };
  for (const root of roots) add(root);
  return out;
}

export { REF_PREFIX };
