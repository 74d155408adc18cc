import { createHash } from "node:crypto";
import { isReview, RESOURCE_TYPES, type ResourceType } from "../resource-catalog.js";
import { SERVER_VERSION } from "../discovery/discovery.js";
import { kindSchemas, reachable, REF_PREFIX, type Schema } from "./schemas.js";

/** One group-version's OpenAPI v3 document, serialized once, and its hash (kube-openapi's ETag). */
export interface GroupVersionDocument {
  json: string;
  hash: string;
}

/** `api/v1`, `apis/apps/v1`: the key of a group-version below `/openapi/v3/`. */
export function documentKey(t: Pick<ResourceType, "group" | "version">): string {
  return t.group ? `apis/${t.group}/${t.version}` : `api/${t.version}`;
}

let documents: Map<string, GroupVersionDocument> | undefined;

/** Every served group-version's document, built on first use. */
export function openApiDocuments(): Map<string, GroupVersionDocument> {
  if (documents) return documents;
  const byKey = new Map<string, ResourceType[]>();
  for (const t of RESOURCE_TYPES) byKey.set(documentKey(t), [...(byKey.get(documentKey(t)) ?? []), t]);
  documents = new Map();
  for (const [key, types] of byKey) {
    const json = JSON.stringify(groupVersionDocument(types));
    documents.set(key, { json, hash: createHash("sha512").update(json).digest("hex").toUpperCase() });
  }
  return documents;
}

/** The `/openapi/v3` listing: each group-version's document by a URL that carries its hash. */
export function openApiRoot(): { paths: Record<string, { serverRelativeURL: string }> } {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [key, doc] of [...openApiDocuments()].sort(([a], [b]) => a.localeCompare(b))) {
    paths[key] = { serverRelativeURL: documentUrl(key, doc.hash) };
  }
  return { paths };
}

export function documentUrl(key: string, hash: string): string {
  return `/openapi/v3/${key}?hash=${hash}`;
}

function groupVersionDocument(types: ResourceType[]): Schema {
  const { schemas, rootOf, listOf } = kindSchemas();
  const paths: Record<string, Schema> = {};
  const roots: string[] = [];
  for (const t of types) {
    const root = rootOf.get(t);
    if (!root) continue;
    roots.push(root);
    const list = listOf.get(t);
    if (list) roots.push(list);
    Object.assign(paths, resourcePaths(t, root, list));
  }
  const components: Record<string, Schema> = {};
  for (const [name, schema] of [...reachable(schemas, roots)].sort(([a], [b]) => a.localeCompare(b))) {
    components[name] = schema;
  }
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: SERVER_VERSION.gitVersion },
    paths,
    components: { schemas: components },
  };
}

const ref = (name: string): Schema => ({ $ref: REF_PREFIX + name });

const PATCH_TYPES = [
  "application/apply-patch+yaml",
  "application/json-patch+json",
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
];

function queryParameter(name: string, description: string, type = "string"): Schema {
  return { name, in: "query", description, schema: { type, uniqueItems: true } };
}

const DRY_RUN = queryParameter(
  "dryRun",
  "When present, indicates that modifications should not be persisted. Valid values are: " +
    "- All: all dry run stages will be processed",
);
const FIELD_MANAGER = queryParameter(
  "fieldManager",
  "fieldManager is a name associated with the actor or entity that is making these changes.",
);
const FIELD_VALIDATION = queryParameter(
  "fieldValidation",
  "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing " +
    "unknown or duplicate fields. Valid values are: - Ignore: unknown fields are dropped from the object and the " +
    "last duplicate field wins. - Warn: a warning is sent for each unknown field that is dropped from the " +
    "object and each duplicate field; this is the default. - Strict: the request fails with a BadRequest error " +
    "if any unknown fields would be dropped or any duplicate fields are present.",
);
const FORCE = queryParameter("force", 'Force is going to "force" Apply requests.', "boolean");
const WRITE_PARAMETERS = [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION];

function pathParameter(name: string, description: string): Schema {
  return { name, in: "path", description, required: true, schema: { type: "string", uniqueItems: true } };
}

function operation(
  t: ResourceType,
  action: string,
  id: string,
  response: Schema,
  extra: Schema = {},
  code = "200",
): Schema {
  return {
    description: `${action} ${t.kind}`,
    operationId: id,
    responses: { [code]: { description: "OK", content: { "application/json": { schema: response } } } },
    "x-kubernetes-action": action,
    "x-kubernetes-group-version-kind": { group: t.group, kind: t.kind, version: t.version },
    ...extra,
  };
}

/** The paths of one served type, with the operations its verbs allow, as kube-apiserver documents them. */
function resourcePaths(t: ResourceType, root: string, list: string | undefined): Record<string, Schema> {
  const base = `/${documentKey(t)}`;
  const collection = t.namespaced ? `${base}/namespaces/{namespace}/${t.plural}` : `${base}/${t.plural}`;
  const id = (verb: string, suffix = "") => `${verb}${t.namespaced ? "Namespaced" : ""}${t.kind}${suffix}`;
  const scope = t.namespaced
    ? [pathParameter("namespace", "object name and auth scope, such as for teams and projects")]
    : [];
  const body = (types: string[]) => ({
    requestBody: { content: Object.fromEntries(types.map((type) => [type, { schema: ref(root) }])), required: true },
  });
  const create = operation(
    t,
    "post",
    id("create"),
    ref(root),
    { parameters: WRITE_PARAMETERS, ...body(["*/*"]) },
    "201",
  );
  if (isReview(t)) return { [collection]: { post: create, parameters: scope } };

  const paths: Record<string, Schema> = {
    [collection]: {
      get: operation(t, "list", id("list"), list ? ref(list) : { type: "object" }),
      post: create,
      delete: operation(t, "deletecollection", id("deleteCollection"), { type: "object" }),
      parameters: scope,
    },
    [`${collection}/{name}`]: {
      get: operation(t, "get", id("read"), ref(root)),
      put: operation(t, "put", id("replace"), ref(root), { parameters: WRITE_PARAMETERS, ...body(["*/*"]) }),
      patch: operation(t, "patch", id("patch"), ref(root), {
        parameters: [...WRITE_PARAMETERS, FORCE],
        requestBody: {
          content: Object.fromEntries(PATCH_TYPES.map((type) => [type, { schema: { type: "object" } }])),
          required: true,
        },
      }),
      delete: operation(t, "delete", id("delete"), { type: "object" }),
      parameters: [pathParameter("name", `name of the ${t.kind}`), ...scope],
    },
  };
  if (t.namespaced && list) {
    paths[`${base}/${t.plural}`] = {
      get: operation(t, "list", id("list", "ForAllNamespaces").replace("Namespaced", ""), ref(list)),
    };
  }
  return paths;
}
