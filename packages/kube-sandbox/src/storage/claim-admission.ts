import type { KubeObject, ObjectStore } from "../api/object-store.js";
import { defaultStorageClass } from "./storage-class.js";

/** The finalizer that keeps a claim a Pod still uses until that Pod is gone. */
export const PVC_PROTECTION_FINALIZER = "kubernetes.io/pvc-protection";

/**
 * What the API server's admission does to a new PersistentVolumeClaim: a claim that names no class gets
 * the default one (`storageClassName: ""` asks for none and is kept), and every claim gets the
 * `kubernetes.io/pvc-protection` finalizer. Changes `claim` in place.
 */
export function admitClaim(store: ObjectStore, claim: KubeObject): void {
  const spec = (claim.spec ??= {}) as { storageClassName?: string | null };
  if (spec.storageClassName === undefined || spec.storageClassName === null) {
    const fallback = defaultStorageClass(store);
    if (fallback) spec.storageClassName = fallback.metadata.name;
  }
  const finalizers = claim.metadata.finalizers ?? [];
  if (!finalizers.includes(PVC_PROTECTION_FINALIZER))
    claim.metadata.finalizers = [...finalizers, PVC_PROTECTION_FINALIZER];
  claim.status = { phase: "Pending" };
}
