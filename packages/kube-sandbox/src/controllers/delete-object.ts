import type { KubeObject, ObjectStore } from "../api/object-store.js";
import { StatusError } from "../api/status-error.js";
import { findDependents } from "./find-dependents.js";

/** How a DELETE request wants the object and its dependents to go. */
export interface DeleteOptions {
  /**
   * What happens to objects owned by this one. `Background` (default): the object goes now and the
   * garbage collector removes its dependents afterwards. `Foreground`: dependents go first, then the
   * object. `Orphan`: dependents stay and lose their owner reference.
   */
  propagationPolicy?: "Foreground" | "Background" | "Orphan";
  /**
   * Seconds a pod's containers get to stop. Default: the pod's `spec.terminationGracePeriodSeconds`,
   * else 30. `0` removes the pod at once (force deletion), as does deleting a finished (Succeeded or
   * Failed) pod; a negative value counts as 1. Ignored for other types.
   */
  gracePeriodSeconds?: number;
}

/**
 * Deletes one object the way the Kubernetes API server does. Returns the object when it is still
 * present (a Terminating pod, a Foreground-deleting owner) or undefined when it was removed at once.
 * Throws the store's NotFound `StatusError` for a missing object.
 */
export type DeleteObject = (
  resource: string,
  namespace: string | undefined,
  name: string,
  options: DeleteOptions,
) => KubeObject | undefined;

/** Finalizer that holds an owner until its dependents are gone (Foreground deletion). */
export const FOREGROUND_FINALIZER = "foregroundDeletion";

/** The finalizer in a Namespace's `spec.finalizers` that holds it until everything in it is gone. */
export const NAMESPACE_FINALIZER = "kubernetes";

/** Namespaces Kubernetes refuses to delete. */
const IMMORTAL_NAMESPACES = new Set(["default", "kube-system", "kube-public"]);

const DEFAULT_POD_GRACE_SECONDS = 30;

/** The `DeleteObject` of the sandbox, over `store`; shared by the API server and the controllers. */
export function createDeleteObject(store: ObjectStore): DeleteObject {
  return (resource, namespace, name, options) => {
    const current = store.require(resource, namespace, name);
    if (resource === "pods") return deletePod(store, current, options.gracePeriodSeconds);
    if (resource === "namespaces") return deleteNamespace(store, current);

    const policy = options.propagationPolicy ?? "Background";
    const uid = current.metadata.uid ?? "";
    if (policy === "Orphan") {
      for (const dependent of findDependents(store, uid)) {
        store.mutate(dependent.resource, dependent.object.metadata.namespace, dependent.object.metadata.name, (obj) => {
          obj.metadata.ownerReferences = obj.metadata.ownerReferences?.filter((ref) => ref.uid !== uid);
          if (obj.metadata.ownerReferences?.length === 0) delete obj.metadata.ownerReferences;
        });
      }
    }
    const finalizers = [...(current.metadata.finalizers ?? [])];
    const mustWaitForDependents = policy === "Foreground" && findDependents(store, uid).length > 0;
    if (mustWaitForDependents && !finalizers.includes(FOREGROUND_FINALIZER)) finalizers.push(FOREGROUND_FINALIZER);
    if (finalizers.length === 0) {
      store.remove(resource, namespace, name);
      return undefined;
    }
    // Finalizers (ours or a user's) keep the object until whoever owns them lets go; the garbage
    // collector removes it once the list is empty.
    if (!sameList(finalizers, current.metadata.finalizers)) {
      store.mutate(resource, namespace, name, (obj) => {
        obj.metadata.finalizers = finalizers;
      });
    }
    return store.markDeleting(resource, namespace, name, 0);
  };
}

/** Pods stop gracefully: the kubelet stops the containers and then removes the pod. */
function deletePod(store: ObjectStore, pod: KubeObject, requestedGrace: number | undefined): KubeObject | undefined {
  const { namespace, name } = pod.metadata;
  const spec = pod.spec as { terminationGracePeriodSeconds?: number } | undefined;
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  let grace = requestedGrace ?? spec?.terminationGracePeriodSeconds ?? DEFAULT_POD_GRACE_SECONDS;
  // A finished pod has nothing left to stop; a negative period means "as soon as possible", not "now".
  if (phase === "Succeeded" || phase === "Failed") grace = 0;
  else if (grace < 0) grace = 1;
  if (grace === 0) {
    store.remove("pods", namespace, name);
    return undefined;
  }
  if (!pod.metadata.deletionTimestamp) return store.markDeleting("pods", namespace, name, grace);
  // A second delete may only hurry a pod along, never give it more time.
  const deadline = Date.now() + grace * 1000;
  if (deadline < Date.parse(pod.metadata.deletionTimestamp))
    return store.shortenGracePeriod("pods", namespace, name, grace);
  return pod;
}

/**
 * A Namespace turns Terminating and keeps the `kubernetes` finalizer until the namespace controller has
 * deleted everything in it; a second delete changes nothing. `default`, `kube-system` and `kube-public`
 * cannot be deleted (403 Forbidden).
 */
function deleteNamespace(store: ObjectStore, namespace: KubeObject): KubeObject {
  const { name } = namespace.metadata;
  if (IMMORTAL_NAMESPACES.has(name)) {
    throw StatusError.forbidden("namespaces", "", name, "this namespace may not be deleted");
  }
  if (namespace.metadata.deletionTimestamp) return namespace;
  store.mutate("namespaces", undefined, name, (obj) => {
    const spec = (obj.spec ?? {}) as { finalizers?: string[] };
    if (!spec.finalizers?.includes(NAMESPACE_FINALIZER))
      spec.finalizers = [...(spec.finalizers ?? []), NAMESPACE_FINALIZER];
    obj.spec = spec;
    obj.status = { ...(obj.status as object | undefined), phase: "Terminating" };
  });
  return store.markDeleting("namespaces", undefined, name, 0);
}

function sameList(a: string[], b: string[] | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b ?? []);
}
