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
    const owned = (object: KubeObject) => object.metadata.ownerReferences?.some((ref) => ref.uid === ownerUid) === true;
    for (const object of store.list(resource, undefined, owned)) out.push({ resource, object });
  }
  return out;
}
