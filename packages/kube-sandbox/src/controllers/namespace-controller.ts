import type { KubeObject, ObjectStore, StoreEvent } from "../api/object-store.js";
import { RESOURCE_TYPES, resourceKey } from "../api/resource-catalog.js";
import { StatusError } from "../api/status-error.js";
import type { Logger } from "../logger.js";
import type { Controller } from "./controller.js";
import { NAMESPACE_FINALIZER, type DeleteObject } from "./delete-object.js";
import { namespaceDeletionConditions, type NamespaceCondition, type RemainingObject } from "./namespace-conditions.js";
import { stableStringify } from "./pod-template-hash.js";

export interface NamespaceControllerOptions {
  store: ObjectStore;
  /** Deletes the namespace's objects the way the API server does (Pods gracefully). */
  deleteObject: DeleteObject;
  logger: Logger;
  /** Clock for the conditions' times; default the system clock. */
  now?: () => Date;
}

/** Catalog keys of every namespaced type, workloads first so that none of them makes new Pods meanwhile. */
const NAMESPACED = RESOURCE_TYPES.filter((t) => t.namespaced)
  .map(resourceKey)
  .sort((a, b) => Number(!a.endsWith(".apps")) - Number(!b.endsWith(".apps")));

/**
 * Empties Namespaces being deleted, as kube-controller-manager's namespace controller does: deletes every
 * object in one, waits for those still stopping (Pods) or held by their own finalizers (saying which in
 * the Namespace's conditions), then takes the `kubernetes` finalizer off the Namespace and removes it once
 * no other finalizer holds it.
 */
export function createNamespaceController(options: NamespaceControllerOptions): Controller {
  const { store, deleteObject } = options;
  const logger = options.logger.child({ name: "namespace-controller" });
  const now = options.now ?? (() => new Date());

  const terminating = (name: string | undefined): boolean =>
    name !== undefined && Boolean(store.get("namespaces", undefined, name)?.metadata.deletionTimestamp);

  const keysFor = (event: StoreEvent): string[] => {
    const { object } = event;
    if (event.resource === "namespaces") return object.metadata.deletionTimestamp ? [object.metadata.name] : [];
    // Whatever happens inside a namespace being emptied may be what it waits for.
    const namespace = object.metadata.namespace;
    return namespace !== undefined && terminating(namespace) ? [namespace] : [];
  };

  const initialKeys = (): string[] =>
    store
      .list("namespaces")
      .filter((ns) => ns.metadata.deletionTimestamp)
      .map((ns) => ns.metadata.name);

  const reconcile = (name: string): void => {
    const namespace = store.get("namespaces", undefined, name);
    if (!namespace?.metadata.deletionTimestamp) return;
    const remaining = deleteContent(name);
    const conditions = namespaceDeletionConditions(remaining, conditionsOf(namespace), now());
    const updated = store.mutate("namespaces", undefined, name, (ns) => {
      const status = (ns.status ?? {}) as { conditions?: NamespaceCondition[] };
      const spec = (ns.spec ?? {}) as { finalizers?: string[] };
      const release = remaining.length === 0 && spec.finalizers?.includes(NAMESPACE_FINALIZER);
      if (!release && stableStringify(status.conditions) === stableStringify(conditions)) return false;
      ns.status = { ...status, conditions };
      if (release) ns.spec = { ...spec, finalizers: spec.finalizers?.filter((f) => f !== NAMESPACE_FINALIZER) };
    });
    if (remaining.length > 0) {
      logger.debug({ namespace: name, remaining: remaining.length }, "waiting for namespace content to go");
      return;
    }
    if (!updated || specFinalizers(updated).length > 0 || updated.metadata.finalizers?.length) return;
    try {
      store.remove("namespaces", undefined, name);
      logger.info({ namespace: name }, "removed namespace after its content");
    } catch (error) {
      if (!(error instanceof StatusError) || error.reason !== "NotFound") throw error;
    }
  };

  /** Deletes what is left in the namespace; returns what is still there (stopping, or held by finalizers). */
  const deleteContent = (namespace: string): RemainingObject[] => {
    for (const resource of NAMESPACED) {
      for (const obj of store.list(resource, namespace)) {
        if (obj.metadata.deletionTimestamp) continue;
        try {
          deleteObject(resource, namespace, obj.metadata.name, { propagationPolicy: "Background" });
        } catch (error) {
          if (!(error instanceof StatusError) || error.reason !== "NotFound") throw error;
        }
      }
    }
    return NAMESPACED.flatMap((resource) => store.list(resource, namespace).map((object) => ({ resource, object })));
  };

  return { name: "namespace", keysFor, initialKeys, reconcile };
}

function conditionsOf(ns: KubeObject): NamespaceCondition[] {
  return (ns.status as { conditions?: NamespaceCondition[] } | undefined)?.conditions ?? [];
}

function specFinalizers(ns: KubeObject): string[] {
  return ((ns.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).filter(Boolean);
}
