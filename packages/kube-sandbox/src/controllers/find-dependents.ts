import type { KubeObject, ObjectStore } from "../api/object-store.js";
import { RESOURCE_TYPES, resourceKey } from "../api/resource-catalog.js";

/** An object that names another one in its `ownerReferences`. */
export interface Dependent {
  /** Catalog key of the dependent's type, e.g. `pods`. */
  resource: string;
  /** The dependent as stored. */
  object: KubeObject;
}

/** Every object, of any served type, with an owner reference to `ownerUid`. */
export function findDependents(store: ObjectStore, ownerUid: string): Dependent[] {
  const out: Dependent[] = [];
  for (const type of RESOURCE_TYPES) {
    const resource = resourceKey(type);
    for (const object of store.list(resource)) {
      if (object.metadata.ownerReferences?.some((ref) => ref.uid === ownerUid)) out.push({ resource, object });
    }
  }
  return out;
}
