import type { ObjectStore } from "../object-store.js";
import { httpErrors } from "../http/http-errors.js";
import { StatusError } from "../status-error.js";

/** New objects need their Namespace to exist and not be on its way out. */
export function requireNamespace(store: ObjectStore, namespace: string): void {
  const ns = store.get("namespaces", undefined, namespace);
  if (!ns) throw StatusError.notFound("namespaces", "", namespace);
  if (ns.metadata.deletionTimestamp) {
    throw httpErrors.forbidden(`unable to create new content in namespace ${namespace} because it is being terminated`);
  }
}
