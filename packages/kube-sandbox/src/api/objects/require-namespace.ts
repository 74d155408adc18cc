import { namespaceTerminatingError, type ObjectStore } from "../object-store.js";
import { StatusError } from "../status-error.js";

/** A new `name` (a `resource`) needs its Namespace to exist and not be on its way out. */
export function requireNamespace(store: ObjectStore, namespace: string, resource: string, name: string): void {
  const ns = store.get("namespaces", undefined, namespace);
  if (!ns) throw StatusError.notFound("namespaces", "", namespace);
  if (ns.metadata.deletionTimestamp) throw namespaceTerminatingError(resource, name, namespace);
}
