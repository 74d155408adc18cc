import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { KubeObject, ObjectStore, StoreEvent } from "../api/object-store.js";
import type { Controller } from "../controllers/controller.js";
import { objectKey, parseObjectKey } from "../controllers/controller.js";
import type { Logger } from "../logger.js";
import { PVC_PROTECTION_FINALIZER } from "./claim-admission.js";
import { SANDBOX_PROVISIONER } from "./storage-class.js";

const CLAIMS = "persistentvolumeclaims";
const VOLUMES = "persistentvolumes";
const CLASSES = "storageclasses.storage.k8s.io";

export interface VolumeControllerOptions {
  store: ObjectStore;
  /** Where the folders of the sandbox's volumes live: one per PersistentVolume, named after it. */
  volumesDir: string;
  logger: Logger;
}

interface ClaimSpec {
  storageClassName?: string;
  volumeName?: string;
  accessModes?: string[];
  resources?: { requests?: { storage?: string } };
}

type Claim = KubeObject & { spec?: ClaimSpec };

/**
 * The PersistentVolume controller and the PVC-protection controller of kube-controller-manager, for the
 * sandbox's one provisioner:
 * - a claim of a StorageClass the sandbox provisions binds at once to a new PersistentVolume, whose folder
 *   holds the data; it outlives every Pod that mounts it and goes with the claim (reclaim policy Delete)
 *   or stays, Released (Retain);
 * - a claim being deleted keeps its `kubernetes.io/pvc-protection` finalizer, so it stays Terminating,
 *   until no Pod that is still running uses it.
 */
export function createVolumeController(options: VolumeControllerOptions): Controller {
  const { store, volumesDir } = options;
  const logger = options.logger.child({ name: "volume-controller" });

  const claimKeysOfPod = (pod: KubeObject): string[] =>
    claimNamesOf(pod).map((name) => objectKey(pod.metadata.namespace, name));

  return {
    name: "volume",
    keysFor(event: StoreEvent): string[] {
      if (event.resource === CLAIMS) return [objectKey(event.object.metadata.namespace, event.object.metadata.name)];
      // A Pod that goes or ends may be the last user of a claim being deleted.
      if (event.resource === "pods" && (event.type === "DELETED" || isTerminated(event.object))) {
        return claimKeysOfPod(event.object);
      }
      return [];
    },
    initialKeys: () => store.list(CLAIMS).map((c) => objectKey(c.metadata.namespace, c.metadata.name)),
    reconcile(key: string): void {
      const { namespace, name } = parseObjectKey(key);
      const claim: Claim | undefined = store.get(CLAIMS, namespace, name);
      if (!claim) {
        reclaimVolumesOf(namespace ?? "", name);
        return;
      }
      if (claim.metadata.deletionTimestamp) {
        releaseWhenUnused(claim);
        return;
      }
      if (!claim.spec?.volumeName) bind(claim);
    },
  };

  /** Provisions a volume for `claim` and binds the two, when the claim's class is the sandbox's. */
  function bind(claim: Claim): void {
    const className = claim.spec?.storageClassName;
    const storageClass = className ? store.get(CLASSES, undefined, className) : undefined;
    if (!storageClass || storageClass.provisioner !== SANDBOX_PROVISIONER) return;
    const volumeName = `pvc-${claim.metadata.uid}`;
    const path = join(volumesDir, volumeName);
    mkdirSync(path, { recursive: true });
    const capacity = { storage: claim.spec?.resources?.requests?.storage ?? "1Gi" };
    const accessModes = claim.spec?.accessModes ?? ["ReadWriteOnce"];
    if (!store.get(VOLUMES, undefined, volumeName)) {
      store.create(VOLUMES, {
        apiVersion: "v1",
        kind: "PersistentVolume",
        metadata: {
          name: volumeName,
          annotations: { "pv.kubernetes.io/provisioned-by": SANDBOX_PROVISIONER },
        },
        spec: {
          capacity,
          accessModes,
          persistentVolumeReclaimPolicy: (storageClass.reclaimPolicy as string | undefined) ?? "Delete",
          storageClassName: className,
          volumeMode: "Filesystem",
          hostPath: { path, type: "DirectoryOrCreate" },
          claimRef: {
            apiVersion: "v1",
            kind: "PersistentVolumeClaim",
            namespace: claim.metadata.namespace,
            name: claim.metadata.name,
            uid: claim.metadata.uid,
          },
        },
        status: { phase: "Bound" },
      });
    }
    store.update(CLAIMS, {
      ...claim,
      metadata: {
        ...claim.metadata,
        annotations: {
          ...claim.metadata.annotations,
          "pv.kubernetes.io/bind-completed": "yes",
          "pv.kubernetes.io/bound-by-controller": "yes",
          "volume.kubernetes.io/storage-provisioner": SANDBOX_PROVISIONER,
        },
      },
      spec: { ...claim.spec, volumeName },
      status: { phase: "Bound", accessModes, capacity },
    });
    logger.info({ claim: `${claim.metadata.namespace}/${claim.metadata.name}`, volume: volumeName }, "claim bound");
  }

  /** Lets a claim being deleted go once no running Pod uses it. */
  function releaseWhenUnused(claim: Claim): void {
    if (!claim.metadata.finalizers?.includes(PVC_PROTECTION_FINALIZER)) return;
    const users = store.list(
      "pods",
      claim.metadata.namespace,
      (pod) => !isTerminated(pod) && claimNamesOf(pod).includes(claim.metadata.name),
    );
    if (users.length > 0) return;
    store.update(CLAIMS, {
      ...claim,
      metadata: {
        ...claim.metadata,
        finalizers: claim.metadata.finalizers.filter((f) => f !== PVC_PROTECTION_FINALIZER),
      },
    });
  }

  /** After a claim is gone: deletes its volumes (and their data) under Delete, marks them Released under Retain. */
  function reclaimVolumesOf(namespace: string, claimName: string): void {
    for (const volume of store.list(VOLUMES)) {
      const spec = volume.spec as
        { claimRef?: { namespace?: string; name?: string }; persistentVolumeReclaimPolicy?: string } | undefined;
      if (spec?.claimRef?.namespace !== namespace || spec.claimRef.name !== claimName) continue;
      if (spec.persistentVolumeReclaimPolicy === "Retain") {
        if ((volume.status as { phase?: string } | undefined)?.phase !== "Released") {
          store.update(VOLUMES, { ...volume, status: { phase: "Released" } });
        }
        continue;
      }
      rmSync(join(volumesDir, volume.metadata.name), { recursive: true, force: true });
      store.remove(VOLUMES, undefined, volume.metadata.name);
      logger.info({ volume: volume.metadata.name }, "volume deleted with its claim");
    }
  }
}

/** The claims a Pod's volumes name. */
export function claimNamesOf(pod: KubeObject): string[] {
  const volumes = (pod.spec as { volumes?: { persistentVolumeClaim?: { claimName?: string } }[] } | undefined)?.volumes;
  return (volumes ?? []).flatMap((v) =>
    v.persistentVolumeClaim?.claimName ? [v.persistentVolumeClaim.claimName] : [],
  );
}

/** A Pod whose containers will not run again. */
function isTerminated(pod: KubeObject): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return phase === "Succeeded" || phase === "Failed";
}
