import type { KubeObject } from "../object-store.js";
import { jsonText } from "../patch/json-value.js";
import { groupVersion } from "../resource-catalog.js";
import type { ResourceRoute } from "../routing/resource-path.js";
import { StatusError } from "../status-error.js";

/** Fields of `metadata` only the server writes; a create ignores what the client sent. */
const SERVER_OWNED = [
  "uid",
  "resourceVersion",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "generation",
  "managedFields",
];

/**
 * Turns a request body into the object for the route: apiVersion and kind checked and filled in,
 * namespace and name taken from the path (400 when the body says otherwise).
 */
export function incomingObject(route: ResourceRoute, body: Record<string, unknown>): KubeObject {
  const { type } = route;
  const expectedVersion = groupVersion(type);
  if (body.apiVersion !== undefined && body.apiVersion !== expectedVersion) {
    throw StatusError.badRequest(
      `the API version in the data (${jsonText(body.apiVersion)}) does not match ` +
        `the expected API version (${expectedVersion})`,
    );
  }
  if (body.kind !== undefined && body.kind !== type.kind) {
    throw StatusError.badRequest(
      `the kind in the data (${jsonText(body.kind)}) does not match the expected kind (${type.kind})`,
    );
  }
  const metadata = body.metadata ?? {};
  if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) {
    throw StatusError.badRequest("metadata must be an object");
  }
  const obj = { ...body, apiVersion: expectedVersion, kind: type.kind, metadata: { ...metadata } } as KubeObject;
  const meta = obj.metadata;
  if (type.namespaced) {
    if (meta.namespace !== undefined && meta.namespace !== "" && meta.namespace !== route.namespace) {
      throw StatusError.badRequest(
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    }
    meta.namespace = route.namespace;
  } else {
    delete meta.namespace;
  }
  if (route.name !== undefined) {
    if (meta.name !== undefined && meta.name !== "" && meta.name !== route.name) {
      throw StatusError.badRequest(
        `the name of the object (${String(meta.name)}) does not match the name on the URL (${route.name})`,
      );
    }
    meta.name = route.name;
  }
  return obj;
}

/** Drops what a client may not set on create. */
export function withoutServerFields(obj: KubeObject): KubeObject {
  for (const field of SERVER_OWNED) delete obj.metadata[field];
  return obj;
}
