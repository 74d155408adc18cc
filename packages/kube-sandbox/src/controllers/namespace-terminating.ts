import type { ObjectStore } from "../api/object-store.js";

/**
 * Whether `namespace` is being deleted, so nothing new may be made in it: a controller skips what it
 * would create there rather than retry a create the store refuses.
 */
export function isNamespaceTerminating(store: ObjectStore, namespace: string | undefined): boolean {
  return namespace !== undefined && Boolean(store.get("namespaces", undefined, namespace)?.metadata.deletionTimestamp);
}
