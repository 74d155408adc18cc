import type { KubeObject, ObjectStore } from "../api/object-store.js";

/** The provisioner of the sandbox's claims: a folder of the sandbox's own per volume. */
export const SANDBOX_PROVISIONER = "kube-sandbox.local/host-folder";

/** The annotation that makes a StorageClass the one claims without `storageClassName` get. */
export const DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class";

/** The name of the StorageClass every sandbox has, marked default. */
export const DEFAULT_STORAGE_CLASS = "standard";

/**
 * Creates the default StorageClass if missing: claims of it bind at once to a new folder of the sandbox,
 * which is deleted with the claim (reclaim policy Delete), as a cloud's default class behaves.
 */
export function ensureDefaultStorageClass(store: ObjectStore): void {
  if (store.get("storageclasses.storage.k8s.io", undefined, DEFAULT_STORAGE_CLASS)) return;
  store.create("storageclasses.storage.k8s.io", {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: { name: DEFAULT_STORAGE_CLASS, annotations: { [DEFAULT_CLASS_ANNOTATION]: "true" } },
    provisioner: SANDBOX_PROVISIONER,
    reclaimPolicy: "Delete",
    volumeBindingMode: "Immediate",
    allowVolumeExpansion: false,
  });
}

/** The StorageClass claims without one get: the one annotated default, if exactly one is. */
export function defaultStorageClass(store: ObjectStore): KubeObject | undefined {
  const defaults = store
    .list("storageclasses.storage.k8s.io")
    .filter((sc) => sc.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === "true");
  return defaults.length === 1 ? defaults[0] : undefined;
}
