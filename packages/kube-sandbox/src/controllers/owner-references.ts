import type { KubeObject, ObjectStore, OwnerReference } from "../api/object-store.js";
import { RESOURCE_TYPES, groupVersion, resourceKey } from "../api/resource-catalog.js";

/** The owner reference marked `controller: true`, if any: the one object that manages this one. */
export function controllerRefOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((ref) => ref.controller === true);
}

/** The owner reference a controller puts on what it makes: `owner` manages it and its deletion waits for it. */
export function controllerReference(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Whether `obj` is managed by the object with uid `ownerUid`. */
export function isControlledBy(obj: KubeObject, ownerUid: string | undefined): boolean {
  return ownerUid !== undefined && controllerRefOf(obj)?.uid === ownerUid;
}

/** Where an owner reference points in the store: its type key and namespace. */
export interface OwnerLocation {
  /** Catalog key of the owner's type, e.g. `replicasets.apps`. */
  resource: string;
  /** The dependent's namespace for namespaced owners; undefined for cluster-scoped ones. */
  namespace: string | undefined;
  name: string;
}

/**
 * Resolves an owner reference of an object in `dependentNamespace` to a store location, or undefined
 * when the referenced type is not served (the garbage collector then leaves the reference alone).
 */
export function locateOwner(ref: OwnerReference, dependentNamespace: string | undefined): OwnerLocation | undefined {
  const type = RESOURCE_TYPES.find((t) => groupVersion(t) === ref.apiVersion && t.kind === ref.kind);
  if (!type) return undefined;
  return { resource: resourceKey(type), namespace: type.namespaced ? dependentNamespace : undefined, name: ref.name };
}

/** What an owner reference finds in the store: the owner, nothing, or a type the sandbox does not serve. */
export type OwnerLookup =
  { state: "present"; location: OwnerLocation; owner: KubeObject } | { state: "absent" } | { state: "unknown" };

/** Finds the owner an owner reference names, by type, namespace, name and uid. */
export function lookUpOwner(
  store: ObjectStore,
  ref: OwnerReference,
  dependentNamespace: string | undefined,
): OwnerLookup {
  const location = locateOwner(ref, dependentNamespace);
  if (!location) return { state: "unknown" };
  const owner = store.get(location.resource, location.namespace, location.name);
  // A new object under the old name is a different owner: the reference names a uid.
  if (!owner || owner.metadata.uid !== ref.uid) return { state: "absent" };
  return { state: "present", location, owner };
}
