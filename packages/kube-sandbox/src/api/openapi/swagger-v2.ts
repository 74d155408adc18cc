import { SERVER_VERSION } from "../discovery/discovery.js";
import { openApiDocuments } from "./documents.js";
import { REF_PREFIX, type Schema } from "./schemas.js";

const V2_REF_PREFIX = "#/definitions/";

let swagger: Schema | undefined;

/**
 * The OpenAPI v2 (Swagger 2.0) document of everything served, made from the v3 documents as kube-apiserver's
 * are made from one model: every path and operation, and every definition once. Built on first use.
 */
export function swaggerDocument(): Schema {
  if (swagger) return swagger;
  const paths: Record<string, Schema> = {};
  const definitions: Record<string, Schema> = {};
  for (const doc of openApiDocuments().values()) {
    const v3 = JSON.parse(doc.json) as {
      paths: Record<string, Schema>;
      components: { schemas: Record<string, Schema> };
    };
    for (const [path, item] of Object.entries(v3.paths)) paths[path] = pathItem(item);
    for (const [name, schema] of Object.entries(v3.components.schemas)) definitions[name] ??= v2Schema(schema);
  }
  const sorted = <T>(record: Record<string, T>) =>
    Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((k) => [k, record[k]!]),
    );
  swagger = {
    swagger: "2.0",
    info: { title: "Kubernetes", version: SERVER_VERSION.gitVersion },
    paths: sorted(paths),
    definitions: sorted(definitions),
  };
  return swagger;
}

function pathItem(item: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(item)) {
    if (key === "parameters") out.parameters = (value as Schema[]).map(parameter);
    else out[key] = operation(value as Schema);
  }
  return out;
}

function operation(op: Schema): Schema {
  const out: Schema = {};
  if (op.description) out.description = op.description;
  out.operationId = op.operationId;
  const parameters = ((op.parameters as Schema[] | undefined) ?? []).map(parameter);
  const body = op.requestBody as { content: Record<string, { schema: Schema }> } | undefined;
  if (body) {
    out.consumes = Object.keys(body.content);
    const schema = Object.values(body.content)[0]!.schema;
    parameters.unshift({ name: "body", in: "body", required: true, schema: v2Schema(schema) });
  }
  out.produces = ["application/json"];
  if (parameters.length > 0) out.parameters = parameters;
  const responses: Record<string, Schema> = {};
  for (const [code, response] of Object.entries(op.responses as Record<string, Schema>)) {
    const content = response.content as Record<string, { schema: Schema }>;
    responses[code] = { description: response.description, schema: v2Schema(content["application/json"]!.schema) };
  }
  out.responses = responses;
  for (const [key, value] of Object.entries(op)) if (key.startsWith("x-")) out[key] = value;
  return out;
}

function parameter(p: Schema): Schema {
  const schema = p.schema as Schema;
  const out: Schema = { name: p.name, in: p.in, description: p.description, type: schema.type };
  if (p.required) out.required = true;
  if (schema.uniqueItems) out.uniqueItems = true;
  return out;
}

/** A v3 schema as v2 writes it: `$ref`s to `#/definitions/`, an `allOf` of one `$ref` as that `$ref`. */
export function v2Schema(schema: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "default") continue;
    if (key === "allOf" && Array.isArray(value) && value.length === 1) {
      Object.assign(out, v2Schema(value[0] as Schema));
    } else if (key === "$ref" && typeof value === "string") {
      out.$ref = V2_REF_PREFIX + value.slice(REF_PREFIX.length);
    } else if (key === "items" || key === "additionalProperties") {
      out[key] = v2Schema(value as Schema);
    } else if (key === "properties") {
      out[key] = Object.fromEntries(Object.entries(value as Record<string, Schema>).map(([k, v]) => [k, v2Schema(v)]));
    } else {
      out[key] = value;
    }
  }
  return out;
}
