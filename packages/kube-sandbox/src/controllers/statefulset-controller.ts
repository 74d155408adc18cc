import type { KubeObject, ObjectStore, StoreEvent } from "../api/object-store.js";
import { StatusError } from "../api/status-error.js";
import type { Logger } from "../logger.js";
import type { PodAdmission } from "../api/admission/service-account-admission.js";
import { admitClaim } from "../storage/claim-admission.js";
import { wantedClaimOwners } from "./claim-retention.js";
import { adoptOrphans, isAdoptable } from "./statefulset-adoption.js";
import { objectKey, parseObjectKey, type Controller } from "./controller.js";
import { CONTROLLER_REVISIONS, syncRevisions, truncateHistory, type SetRevisions } from "./controller-revisions.js";
import type { DeleteObject } from "./delete-object.js";
import { controllerRefOf, isControlledBy } from "./owner-references.js";
import { isPodReady, msUntilAvailable } from "./pod-readiness.js";
import { stableStringify } from "./pod-template-hash.js";
import {
  claimName,
  firstOrdinal,
  newStatefulClaim,
  newStatefulPod,
  ordinalOf,
  POD_INDEX_LABEL,
  POD_NAME_LABEL,
  podRevision,
} from "./statefulset-pods.js";
import { computeStatefulSetStatus } from "./statefulset-status.js";
import type { StatefulSet } from "./statefulset-types.js";
import type { ReconcileResult } from "./work-queue.js";
import type { Pod } from "./workload-types.js";

const STATEFUL_SETS = "statefulsets.apps";
const CLAIMS = "persistentvolumeclaims";

export interface StatefulSetControllerOptions {
  store: ObjectStore;
  /** Deletes Pods (gracefully) and old revisions the way the API server does. */
  deleteObject: DeleteObject;
  logger: Logger;
  /** Clock for `minReadySeconds`; default the system clock. */
  now?: () => Date;
  /** Admits each Pod before it is created, as the API server would (a refusal is retried with back-off). */
  admitPod?: PodAdmission;
}

/**
 * Runs StatefulSets as Kubernetes' controller does: Pods `SET-ORDINAL` with stable names, hostnames and
 * claims made from `volumeClaimTemplates`, created and removed in order (`OrderedReady`) or all at once
 * (`Parallel`); ControllerRevisions of the Pod template; RollingUpdate (highest ordinal first, down to
 * the partition, one Pod at a time) and OnDelete; the claims' retention policy; and the status.
 */
export function createStatefulSetController(options: StatefulSetControllerOptions): Controller {
  const { store, deleteObject } = options;
  const logger = options.logger.child({ name: "statefulset-controller" });
  const now = options.now ?? (() => new Date());

  const setKeyOf = (obj: KubeObject | undefined): string[] => {
    if (!obj) return [];
    const ref = controllerRefOf(obj);
    return ref?.kind === "StatefulSet" ? [objectKey(obj.metadata.namespace, ref.name)] : [];
  };

  /** StatefulSets whose claim names a claim's name could be: `TEMPLATE-SET-ORDINAL`. */
  const setKeysOfClaim = (claim: KubeObject): string[] =>
    (store.list(STATEFUL_SETS, claim.metadata.namespace) as StatefulSet[])
      .filter((set) =>
        (set.spec?.volumeClaimTemplates ?? []).some((template) =>
          claim.metadata.name.startsWith(`${template.metadata.name}-${set.metadata.name}-`),
        ),
      )
      .map((set) => objectKey(set.metadata.namespace, set.metadata.name));

  /** StatefulSets that may adopt an orphaned Pod. */
  const adoptersOf = (pod: KubeObject): string[] => {
    if (controllerRefOf(pod)) return [];
    return (store.list(STATEFUL_SETS, pod.metadata.namespace) as StatefulSet[])
      .filter((set) => isAdoptable(set, pod))
      .map((set) => objectKey(set.metadata.namespace, set.metadata.name));
  };

  const keysFor = (event: StoreEvent): string[] => {
    const { object, previous } = event;
    switch (event.resource) {
      case STATEFUL_SETS:
        return [objectKey(object.metadata.namespace, object.metadata.name)];
      case "pods":
        return [...setKeyOf(object), ...setKeyOf(previous), ...adoptersOf(object)];
      case CONTROLLER_REVISIONS:
        return [...setKeyOf(object), ...setKeyOf(previous)];
      case CLAIMS:
        return setKeysOfClaim(object);
      default:
        return [];
    }
  };

  const reconcile = (key: string): ReconcileResult | void => {
    const { namespace, name } = parseObjectKey(key);
    const set: StatefulSet | undefined = store.get(STATEFUL_SETS, namespace, name);
    // A StatefulSet being deleted leaves its Pods to the garbage collector.
    if (!set || set.metadata.deletionTimestamp) return;
    adoptOrphans(store, set, logger);
    const owned = () => store.list("pods", namespace, (pod) => isControlledBy(pod, set.metadata.uid)) as Pod[];
    const revisions = syncRevisions(store, set);
    const sync = new StatefulSetSync(store, deleteObject, logger, set, revisions, owned(), now(), options.admitPod);
    const pass = sync.run();
    const pods = owned();
    const { status, recheckAfterMs } = computeStatefulSetStatus(
      set,
      pods,
      {
        currentRevision: revisions.current.metadata.name,
        updateRevision: revisions.update.metadata.name,
        collisionCount: revisions.collisionCount,
      },
      now(),
    );
    store.mutate(STATEFUL_SETS, namespace, name, (obj) => {
      if (stableStringify(obj.status) === stableStringify(status)) return false;
      obj.status = status;
    });
    const inUse = new Set([status.currentRevision ?? "", status.updateRevision ?? ""]);
    for (const pod of pods) inUse.add(podRevision(pod) ?? "");
    truncateHistory(store, deleteObject, set, inUse);
    const waits = [pass, recheckAfterMs].filter((ms): ms is number => ms !== undefined);
    return waits.length > 0 ? { requeueAfterMs: Math.min(...waits) } : undefined;
  };

  const initialKeys = (): string[] =>
    store.list(STATEFUL_SETS).map((set) => objectKey(set.metadata.namespace, set.metadata.name));

  return { name: "statefulset", keysFor, initialKeys, reconcile };
}

/** One pass over one StatefulSet's Pods; `run` stops where the StatefulSet must wait for a Pod. */
class StatefulSetSync {
  private readonly monotonic: boolean;
  /** The Pods of ordinals `start .. start+replicas-1`, by index; undefined where none exists. */
  private readonly slots: (Pod | undefined)[];
  /** The Pods of ordinals beyond the replicas, highest ordinal first. */
  private readonly condemned: Pod[];
  /** Milliseconds until a Pod becomes available, when the pass waits for one. */
  private availableAfterMs: number | undefined;

  constructor(
    private readonly store: ObjectStore,
    private readonly deleteObject: DeleteObject,
    private readonly logger: Logger,
    private readonly set: StatefulSet,
    private readonly revisions: SetRevisions,
    pods: Pod[],
    private readonly now: Date,
    private readonly admitPod: PodAdmission | undefined,
  ) {
    this.monotonic = set.spec?.podManagementPolicy !== "Parallel";
    const start = firstOrdinal(set);
    this.slots = Array.from({ length: Math.max(0, set.spec?.replicas ?? 1) }, () => undefined);
    const condemned: [number, Pod][] = [];
    for (const pod of pods) {
      const ordinal = ordinalOf(set, pod);
      if (ordinal === undefined) continue;
      if (ordinal >= start && ordinal - start < this.slots.length) this.slots[ordinal - start] = pod;
      else condemned.push([ordinal, pod]);
    }
    this.condemned = condemned.sort(([a], [b]) => b - a).map(([, pod]) => pod);
  }

  /** Creates, deletes and replaces Pods; returns when to look again for a Pod becoming available. */
  run(): number | undefined {
    this.syncClaimOwners();
    this.replaceFinished();
    if (this.createAndWait() && this.scaleDown() && this.set.spec?.updateStrategy?.type !== "OnDelete") {
      this.rollingUpdate();
    }
    return this.availableAfterMs;
  }

  /** Running, ready for `minReadySeconds` and not being deleted. */
  private healthy(pod: Pod): boolean {
    if (pod.metadata.deletionTimestamp || pod.status?.phase !== "Running" || !isPodReady(pod)) return false;
    const wait = msUntilAvailable(pod, this.set.spec?.minReadySeconds ?? 0, this.now);
    if (wait === 0) return true;
    if (wait !== undefined) this.availableAfterMs = Math.min(this.availableAfterMs ?? wait, wait);
    return false;
  }

  /** A Pod that finished (Succeeded or Failed) is deleted, to be made again under the same name. */
  private replaceFinished(): void {
    for (const pod of this.slots) {
      const phase = pod?.status?.phase;
      if (pod && !pod.metadata.deletionTimestamp && (phase === "Failed" || phase === "Succeeded")) {
        this.deletePod(pod, `pod ${phase.toLowerCase()}; re-creating it`);
      }
    }
  }

  /**
   * Makes the missing Pods (with their claims) in ordinal order. With OrderedReady it stops at the first
   * Pod it makes and at the first Pod that is not yet healthy; returns whether every Pod is in place and
   * the pass may go on.
   */
  private createAndWait(): boolean {
    const start = firstOrdinal(this.set);
    for (const [index, pod] of this.slots.entries()) {
      const ordinal = start + index;
      if (!pod) {
        if (!this.ensureClaims(ordinal)) {
          if (this.monotonic) return false;
          continue;
        }
        this.createPod(index, ordinal);
        if (this.monotonic) return false;
        continue;
      }
      // A Pod still starting gets back a claim deleted under it.
      if (pod.status?.phase === "Pending" && !pod.metadata.deletionTimestamp) this.ensureClaims(ordinal);
      if (!this.healthy(pod)) {
        if (this.monotonic) return false;
        continue;
      }
      this.restoreIdentity(pod, ordinal);
    }
    return true;
  }

  /** Puts back the identity labels of a Pod that lost them (the pod-name label a Service may select by). */
  private restoreIdentity(pod: Pod, ordinal: number): void {
    const wanted = { [POD_NAME_LABEL]: pod.metadata.name, [POD_INDEX_LABEL]: String(ordinal) };
    if (Object.entries(wanted).every(([key, value]) => pod.metadata.labels?.[key] === value)) return;
    this.store.mutate("pods", pod.metadata.namespace, pod.metadata.name, (obj) => {
      obj.metadata.labels = { ...obj.metadata.labels, ...wanted };
    });
    this.logger.info({ namespace: pod.metadata.namespace, pod: pod.metadata.name }, "restored pod identity labels");
  }

  /** Deletes the Pods beyond the replicas, highest ordinal first; with OrderedReady one at a time. */
  private scaleDown(): boolean {
    const firstUnhealthy = [...this.slots, ...this.condemned].find((pod) => pod && !this.healthy(pod));
    for (const pod of this.condemned) {
      if (pod.metadata.deletionTimestamp) {
        if (this.monotonic) return false;
        continue;
      }
      if (this.monotonic && !this.healthy(pod) && pod !== firstUnhealthy) return false;
      this.deletePod(pod, "scaling down");
      if (this.monotonic) return false;
    }
    return true;
  }

  /**
   * Deletes the Pod of the highest ordinal, not below the partition, that runs another revision than
   * the update revision, once every Pod above it is healthy; one Pod per pass.
   */
  private rollingUpdate(): void {
    const partition = Math.max(0, this.set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0);
    for (let index = this.slots.length - 1; index >= partition; index--) {
      const pod = this.slots[index];
      if (!pod) return;
      if (podRevision(pod) !== this.revisions.update.metadata.name && !pod.metadata.deletionTimestamp) {
        this.deletePod(pod, "rolling update");
        return;
      }
      if (!this.healthy(pod)) return;
    }
  }

  /** The revision a new Pod at `index` takes: below a RollingUpdate's partition the current one. */
  private revisionFor(index: number) {
    const strategy = this.set.spec?.updateStrategy;
    const partition = strategy?.rollingUpdate?.partition ?? 0;
    const belowPartition = strategy?.type !== "OnDelete" && index < partition;
    return belowPartition ? this.revisions.current : this.revisions.update;
  }

  private createPod(index: number, ordinal: number): void {
    const pod = newStatefulPod(this.set, this.revisionFor(index), ordinal);
    this.admitPod?.(pod);
    this.store.create("pods", pod);
    this.logger.info({ namespace: this.set.metadata.namespace, pod: pod.metadata.name }, "created pod");
  }

  /**
   * Makes the claims of the Pod with `ordinal` that do not exist yet. Returns false while one of them is
   * being deleted: the Pod must wait for it to go and be made again.
   */
  private ensureClaims(ordinal: number): boolean {
    const { namespace } = this.set.metadata;
    for (const template of this.set.spec?.volumeClaimTemplates ?? []) {
      const existing = this.store.get(CLAIMS, namespace, claimName(template, this.set, ordinal));
      if (existing?.metadata.deletionTimestamp) return false;
      if (existing) continue;
      const claim = newStatefulClaim(this.set, template, ordinal);
      const owners = wantedClaimOwners(this.set, claim, undefined, false);
      if (owners.length > 0) claim.metadata.ownerReferences = owners;
      admitClaim(this.store, claim);
      this.store.create(CLAIMS, claim);
      this.logger.info({ namespace, claim: claim.metadata.name }, "created claim");
    }
    return true;
  }

  /** Gives every existing claim of every Pod the owners its retention policy asks for. */
  private syncClaimOwners(): void {
    const start = firstOrdinal(this.set);
    const pods: [Pod, boolean][] = [
      ...this.slots.flatMap((pod): [Pod, boolean][] => (pod ? [[pod, false]] : [])),
      ...this.condemned.map((pod): [Pod, boolean] => [pod, true]),
    ];
    for (const [pod, condemned] of pods) {
      const ordinal = ordinalOf(this.set, pod) ?? start;
      for (const template of this.set.spec?.volumeClaimTemplates ?? []) {
        this.store.mutate(CLAIMS, this.set.metadata.namespace, claimName(template, this.set, ordinal), (claim) => {
          if (claim.metadata.deletionTimestamp) return false;
          const owners = wantedClaimOwners(this.set, claim, pod, condemned);
          if (stableStringify(owners) === stableStringify(claim.metadata.ownerReferences ?? [])) return false;
          if (owners.length > 0) claim.metadata.ownerReferences = owners;
          else delete claim.metadata.ownerReferences;
        });
      }
    }
  }

  private deletePod(pod: Pod, why: string): void {
    try {
      this.deleteObject("pods", pod.metadata.namespace, pod.metadata.name, {});
      this.logger.info({ namespace: pod.metadata.namespace, pod: pod.metadata.name, why }, "deleted pod");
    } catch (error) {
      if (!(error instanceof StatusError) || error.reason !== "NotFound") throw error;
    }
  }
}
