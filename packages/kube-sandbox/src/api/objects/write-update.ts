import type { ApiContext } from "../api-context.js";
import type { KubeObject } from "../object-store.js";
import { resourceKey, servesSubresource, type ResourceType } from "../resource-catalog.js";
import { StatusError } from "../status-error.js";
import { validateObject, validateUpdate } from "../validation/validate-object.js";
import { applyDefaults } from "./apply-defaults.js";
import { keepClusterIp } from "./service-addresses.js";

/**
 * Stores a changed object (PUT or PATCH of the object itself): for types with a `status`
 * subresource the status stays as it was, defaults and validation apply (a binding keeps its `roleRef`), a
 * resourceVersion in
 * `next` must match (409 otherwise). `record`, when given, sets the `managedFields` of the defaulted, valid object.
 * With `dryRun` nothing is stored.
 */
export function writeUpdate(
  ctx: ApiContext,
  type: ResourceType,
  next: KubeObject,
  current: KubeObject,
  dryRun: boolean,
  record?: (next: KubeObject) => void,
): KubeObject {
  if (servesSubresource(type, "status")) {
    if (current.status === undefined) delete next.status;
    else next.status = current.status;
  }
  applyDefaults(type, next);
  validateObject(type, next);
  validateUpdate(type, next, current);
  if (type.plural === "services") keepClusterIp(next, current);
  record?.(next);
  const resource = resourceKey(type);
  if (!dryRun) return ctx.store.update(resource, next);
  const wanted = next.metadata.resourceVersion;
  if (wanted && wanted !== current.metadata.resourceVersion) {
    throw StatusError.conflict(type.plural, type.group, current.metadata.name);
  }
  const { uid, creationTimestamp, resourceVersion, generation } = current.metadata;
  return { ...next, metadata: { ...next.metadata, uid, creationTimestamp, resourceVersion, generation } };
}
