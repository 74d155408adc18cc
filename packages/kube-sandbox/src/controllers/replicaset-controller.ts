import type { KubeObject, ObjectStore, StoreEvent } from "../api/object-store.js";
import { StatusError } from "../api/status-error.js";
import type { EventRecorder } from "../events/event-recorder.js";
import type { Logger } from "../logger.js";
import type { PodAdmission } from "../api/admission/service-account-admission.js";
import { objectKey, parseObjectKey, type Controller } from "./controller.js";
import type { DeleteObject } from "./delete-object.js";
import { controllerReference, controllerRefOf, isControlledBy } from "./owner-references.js";
import { stableStringify } from "./pod-template-hash.js";
import { computeReplicaSetStatus } from "./replicaset-status.js";
import { isPodActive, isPodReady, podRestarts } from "./pod-readiness.js";
import type { ReconcileResult } from "./work-queue.js";
import type { Pod, ReplicaSet } from "./workload-types.js";
import { cloneJson } from "../api/patch/json-value.js";

const REPLICA_SETS = "replicasets.apps";
/** Most pods one pass creates or deletes, so one huge scale cannot stall the sandbox. */
const MAX_BURST = 500;

export interface ReplicaSetControllerOptions {
  store: ObjectStore;
  /** Deletes surplus pods gracefully, the way the API server does. */
  deleteObject: DeleteObject;
  logger: Logger;
  /** Where `SuccessfulCreate` and `SuccessfulDelete` Events about the ReplicaSet go; default nowhere. */
  events?: EventRecorder;
  /** Clock for `minReadySeconds`; default the system clock. */
  now?: () => Date;
  /**
   * Admits each Pod before it is created, as the API server would: a refusal is a `FailedCreate` Event on the
   * ReplicaSet, and the ReplicaSet is tried again with back-off.
   */
  admitPod?: PodAdmission;
}

/**
 * Keeps the number of active pods a ReplicaSet controls equal to `spec.replicas`, creating pods from
 * its template and deleting surplus ones gracefully, and reports the counts in its status.
 */
export function createReplicaSetController(options: ReplicaSetControllerOptions): Controller {
  const { store, deleteObject, events } = options;
  const logger = options.logger.child({ name: "replicaset-controller" });
  const now = options.now ?? (() => new Date());

  const replicaSetKeyOf = (pod: KubeObject | undefined): string[] => {
    if (!pod) return [];
    const ref = controllerRefOf(pod);
    return ref?.kind === "ReplicaSet" ? [objectKey(pod.metadata.namespace, ref.name)] : [];
  };

  const keysFor = (event: StoreEvent): string[] => {
    if (event.resource === REPLICA_SETS)
      return [objectKey(event.object.metadata.namespace, event.object.metadata.name)];
    if (event.resource === "pods") return [...replicaSetKeyOf(event.object), ...replicaSetKeyOf(event.previous)];
    return [];
  };

  const reconcile = (key: string): ReconcileResult | void => {
    const { namespace, name } = parseObjectKey(key);
    const rs: ReplicaSet | undefined = store.get(REPLICA_SETS, namespace, name);
    if (!rs) return;
    const controlled = () => store.list("pods", namespace, (pod) => isControlledBy(pod, rs.metadata.uid)) as Pod[];

    // A ReplicaSet on its way out keeps its pods for the garbage collector and makes no new ones.
    if (!rs.metadata.deletionTimestamp) {
      const active = controlled().filter(isPodActive);
      const diff = active.length - (rs.spec?.replicas ?? 1);
      if (diff < 0) createPods(rs, Math.min(-diff, MAX_BURST));
      if (diff > 0) deletePods(rs, pickSurplus(active, Math.min(diff, MAX_BURST)));
    }

    const { status, recheckAfterMs } = computeReplicaSetStatus(rs, controlled(), now());
    store.mutate(REPLICA_SETS, namespace, name, (obj) => {
      if (stableStringify(obj.status) === stableStringify(status)) return false;
      obj.status = status;
    });
    return recheckAfterMs === undefined ? undefined : { requeueAfterMs: recheckAfterMs };
  };

  const createPods = (rs: ReplicaSet, count: number): void => {
    for (let i = 0; i < count; i++) {
      const pod = createPod(rs, podFor(rs));
      events?.record(rs, { type: "Normal", reason: "SuccessfulCreate", message: `Created pod: ${pod.metadata.name}` });
      logger.info(
        { namespace: rs.metadata.namespace, replicaSet: rs.metadata.name, pod: pod.metadata.name },
        "created pod",
      );
    }
  };

  /** Admits and stores one Pod; a refusal becomes a `FailedCreate` Event and is thrown on, so the key is retried. */
  const createPod = (rs: ReplicaSet, pod: Pod): KubeObject => {
    try {
      options.admitPod?.(pod);
      return store.create("pods", pod);
    } catch (error) {
      if (!(error instanceof StatusError)) throw error;
      events?.record(rs, { type: "Warning", reason: "FailedCreate", message: `Error creating: ${error.message}` });
      throw error;
    }
  };

  const deletePods = (rs: ReplicaSet, pods: Pod[]): void => {
    for (const pod of pods) {
      try {
        deleteObject("pods", pod.metadata.namespace, pod.metadata.name, {});
        events?.record(rs, {
          type: "Normal",
          reason: "SuccessfulDelete",
          message: `Deleted pod: ${pod.metadata.name}`,
        });
        logger.info(
          { namespace: rs.metadata.namespace, replicaSet: rs.metadata.name, pod: pod.metadata.name },
          "deleted surplus pod",
        );
      } catch (error) {
        if (!(error instanceof StatusError) || error.reason !== "NotFound") throw error;
      }
    }
  };

  const initialKeys = (): string[] =>
    store.list(REPLICA_SETS).map((rs) => objectKey(rs.metadata.namespace, rs.metadata.name));

  return { name: "replicaset", keysFor, initialKeys, reconcile };
}

/** A new pod from a ReplicaSet's template, named `<replicaset>-<5 chars>` by the store. */
export function podFor(rs: ReplicaSet): Pod {
  const template = rs.spec?.template ?? {};
  const metadata: Pod["metadata"] = {
    name: "",
    generateName: `${rs.metadata.name}-`,
    namespace: rs.metadata.namespace,
    ownerReferences: [controllerReference(rs)],
  };
  if (template.metadata?.labels) metadata.labels = { ...template.metadata.labels };
  if (template.metadata?.annotations) metadata.annotations = { ...template.metadata.annotations };
  const finalizers = template.metadata?.finalizers;
  if (Array.isArray(finalizers) && finalizers.length > 0) metadata.finalizers = [...(finalizers as string[])];
  // The API server starts every pod Pending; the kubelet takes it from there.
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata,
    spec: cloneJson(template.spec ?? {}),
    status: { phase: "Pending" },
  };
}

/**
 * The `count` pods to delete first, as Kubernetes ranks them: unscheduled before scheduled, Pending
 * before Unknown before Running, not ready before ready, more restarts first, newest first.
 */
export function pickSurplus(pods: Pod[], count: number): Pod[] {
  const phaseRank = (pod: Pod): number => ({ Pending: 0, Unknown: 1, Running: 2 })[pod.status?.phase ?? "Pending"] ?? 0;
  const ranked = [...pods].sort(
    (a, b) =>
      Number(Boolean(a.spec?.nodeName)) - Number(Boolean(b.spec?.nodeName)) ||
      phaseRank(a) - phaseRank(b) ||
      Number(isPodReady(a)) - Number(isPodReady(b)) ||
      podRestarts(b) - podRestarts(a) ||
      (b.metadata.creationTimestamp ?? "").localeCompare(a.metadata.creationTimestamp ?? "") ||
      b.metadata.name.localeCompare(a.metadata.name),
  );
  return ranked.slice(0, count);
}
