import type { KubeObject, ObjectStore, StoreEvent } from "../api/object-store.js";
import { RESOURCE_TYPES, resourceKey } from "../api/resource-catalog.js";
import { StatusError } from "../api/status-error.js";
import type { Logger } from "../logger.js";
import type { Controller } from "./controller.js";
import { FOREGROUND_FINALIZER, type DeleteObject } from "./delete-object.js";
import { findDependents } from "./find-dependents.js";
import { locateOwner, lookUpOwner } from "./owner-references.js";

export interface GarbageCollectorOptions {
  store: ObjectStore;
  /** Deletes dependents the way the API server does (pods gracefully). */
  deleteObject: DeleteObject;
  logger: Logger;
}

/** Work key of one object: its owners are checked, and a Foreground deletion it is in is moved on. */
const objectWork = (resource: string, namespace: string | undefined, name: string): string =>
  `object|${resource}|${namespace ?? ""}|${name}`;
/** Work key of an owner that is gone: every object naming its uid is checked. */
const dependentsWork = (uid: string): string => `dependents|${uid}`;

/**
 * Removes objects whose owners are all gone (Background deletion of the owner), deletes the
 * dependents of an owner in Foreground deletion and removes the owner once they are gone, and
 * finishes the deletion of objects whose finalizers have all been taken off.
 */
export function createGarbageCollector(options: GarbageCollectorOptions): Controller {
  const { store, deleteObject } = options;
  const logger = options.logger.child({ name: "garbage-collector" });

  const ownerWork = (obj: KubeObject | undefined): string[] =>
    (obj?.metadata.ownerReferences ?? []).flatMap((ref) => {
      const at = locateOwner(ref, obj?.metadata.namespace);
      return at ? [objectWork(at.resource, at.namespace, at.name)] : [];
    });

  const keysFor = (event: StoreEvent): string[] => {
    const { resource, object, previous } = event;
    const self = objectWork(resource, object.metadata.namespace, object.metadata.name);
    if (event.type === "DELETED") {
      // Dependents may now be orphans; an owner waiting in Foreground deletion may now be free to go.
      return [dependentsWork(object.metadata.uid ?? ""), ...ownerWork(object)];
    }
    const keys: string[] = [];
    if (object.metadata.ownerReferences?.length || object.metadata.deletionTimestamp) keys.push(self);
    // A dependent that let go of its owner (Orphan) may be what a Foreground owner was waiting for.
    if (previous && stripped(previous, object)) keys.push(...ownerWork(previous));
    return keys;
  };

  const initialKeys = (): string[] =>
    RESOURCE_TYPES.flatMap((type) => {
      const resource = resourceKey(type);
      return store
        .list(resource)
        .filter((obj) => obj.metadata.ownerReferences?.length || obj.metadata.deletionTimestamp)
        .map((obj) => objectWork(resource, obj.metadata.namespace, obj.metadata.name));
    });

  const reconcile = (key: string): void => {
    const [kind, ...rest] = key.split("|");
    if (kind === "dependents") {
      for (const dependent of findDependents(store, rest[0] ?? "")) {
        collect(dependent.resource, dependent.object.metadata.namespace, dependent.object.metadata.name);
      }
      return;
    }
    const [resource = "", namespace = "", name = ""] = rest;
    collect(resource, namespace || undefined, name);
  };

  const collect = (resource: string, namespace: string | undefined, name: string): void => {
    const obj = store.get(resource, namespace, name);
    if (!obj) return;
    if (obj.metadata.deletionTimestamp) {
      finishDeletion(resource, obj);
      return;
    }
    const refs = obj.metadata.ownerReferences ?? [];
    if (refs.length === 0) return;
    const absent = refs.filter((ref) => lookUpOwner(store, ref, namespace).state === "absent");
    if (absent.length === 0) return;
    if (absent.length === refs.length) {
      logger.info({ resource, namespace, name, owner: absent[0]?.name }, "deleting object whose owner is gone");
      ignoreNotFound(() => deleteObject(resource, namespace, name, { propagationPolicy: "Background" }));
      return;
    }
    // Some owners remain: only the references to the missing ones go.
    const gone = new Set(absent.map((ref) => ref.uid));
    store.mutate(resource, namespace, name, (o) => {
      o.metadata.ownerReferences = o.metadata.ownerReferences?.filter((ref) => !gone.has(ref.uid));
    });
  };

  const finishDeletion = (resource: string, obj: KubeObject): void => {
    const { namespace, name, uid = "" } = obj.metadata;
    const finalizers = obj.metadata.finalizers ?? [];
    if (finalizers.includes(FOREGROUND_FINALIZER)) {
      for (const dependent of findDependents(store, uid)) {
        if (dependent.object.metadata.deletionTimestamp) continue;
        const at = dependent.object.metadata;
        ignoreNotFound(() =>
          deleteObject(dependent.resource, at.namespace, at.name, { propagationPolicy: "Foreground" }),
        );
      }
      // Only dependents that block their owner's deletion are waited for.
      const blocking = findDependents(store, uid).filter((d) =>
        d.object.metadata.ownerReferences?.some((ref) => ref.uid === uid && ref.blockOwnerDeletion === true),
      );
      if (blocking.length > 0) return;
      const updated = store.mutate(resource, namespace, name, (o) => {
        o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f) => f !== FOREGROUND_FINALIZER);
        if (o.metadata.finalizers.length === 0) delete o.metadata.finalizers;
      });
      if (updated && !updated.metadata.finalizers?.length) remove(resource, updated);
      return;
    }
    // Pods are finished by the kubelet once their containers stop, Namespaces by the namespace controller
    // once they are empty; other objects by their last finalizer.
    if (resource !== "pods" && resource !== "namespaces" && finalizers.length === 0) remove(resource, obj);
  };

  const remove = (resource: string, obj: KubeObject): void => {
    ignoreNotFound(() => store.remove(resource, obj.metadata.namespace, obj.metadata.name));
    logger.info(
      { resource, namespace: obj.metadata.namespace, name: obj.metadata.name },
      "removed object after its dependents",
    );
  };

  return { name: "garbage-collector", keysFor, initialKeys, reconcile };
}

/** Whether `after` names fewer owners than `before`. */
function stripped(before: KubeObject, after: KubeObject): boolean {
  const now = new Set((after.metadata.ownerReferences ?? []).map((ref) => ref.uid));
  return (before.metadata.ownerReferences ?? []).some((ref) => !now.has(ref.uid));
}

/** Another actor removing the object first is the outcome wanted, not a failure. */
function ignoreNotFound(action: () => unknown): void {
  try {
    action();
  } catch (error) {
    if (!(error instanceof StatusError) || error.reason !== "NotFound") throw error;
  }
}
