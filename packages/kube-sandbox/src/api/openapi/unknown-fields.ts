import { referencedName, type Schema, type SchemaSet } from "./schemas.js";

/**
 * Walks `value` along the schema named `root` and removes every field the schema does not know, as
 * kube-apiserver's decoder drops them. Returns their paths as its strict decoder names them: `spec.replcas`,
 * `spec.template.spec.containers[0].imagee`, in the order they appear. Fields of free-form parts
 * (`x-kubernetes-preserve-unknown-fields`: a ControllerRevision's `data`, `managedFields[].fieldsV1`) and values
 * of the wrong JSON type are left alone: the latter are the validators' business.
 */
export function pruneUnknownFields(schemas: SchemaSet, root: string, value: unknown): string[] {
  const unknown: string[] = [];
  const schema = schemas.get(root);
  if (schema) walk(schemas, schema, value, "", unknown);
  return unknown;
}

function resolve(schemas: SchemaSet, schema: Schema): Schema | undefined {
  let current: Schema | undefined = schema;
  for (let depth = 0; current && depth < 8; depth++) {
    const name = referencedName(current);
    if (name === undefined) return current;
    current = schemas.get(name);
  }
  return current;
}

function join(path: string, field: string): string {
  return path ? `${path}.${field}` : field;
}

function walk(schemas: SchemaSet, given: Schema, value: unknown, path: string, unknown: string[]): void {
  const schema = resolve(schemas, given);
  if (!schema || schema["x-kubernetes-preserve-unknown-fields"] === true) return;
  if (Array.isArray(value)) {
    const items = schema.items as Schema | undefined;
    if (schema.type !== "array" || !items) return;
    value.forEach((item, index) => walk(schemas, items, item, `${path}[${index}]`, unknown));
    return;
  }
  if (value === null || typeof value !== "object" || schema.type !== "object") return;
  const object = value as Record<string, unknown>;
  const properties = schema.properties as Record<string, Schema> | undefined;
  const additional = schema.additionalProperties as Schema | undefined;
  for (const key of Object.keys(object)) {
    const fieldPath = join(path, key);
    const field = properties && Object.hasOwn(properties, key) ? properties[key] : additional;
    if (field) walk(schemas, field, object[key], fieldPath, unknown);
    else if (properties) {
      unknown.push(fieldPath);
      delete object[key];
    }
  }
}
