import type { KubeObject, ObjectStore, StoreEvent } from "../api/object-store.js";
import { StatusError } from "../api/status-error.js";
import type { EventRecorder } from "../events/event-recorder.js";
import type { Logger } from "../logger.js";
import { objectKey, parseObjectKey, type Controller } from "./controller.js";
import type { DeleteObject } from "./delete-object.js";
import { computeDeploymentStatus } from "./deployment-status.js";
import { controllerReference, controllerRefOf, isControlledBy } from "./owner-references.js";
import { POD_TEMPLATE_HASH_LABEL, podTemplateHash, sameTemplate, stableStringify } from "./pod-template-hash.js";
import { rolloutLimits } from "./rollout-limits.js";
import type { ReconcileResult } from "./work-queue.js";
import type { Deployment, Pod, ReplicaSet } from "./workload-types.js";
import { cloneJson } from "../api/patch/json-value.js";

/** Rollout number of a ReplicaSet (and of its Deployment), read by `kubectl rollout history`. */
const REVISION_ANNOTATION = "deployment.kubernetes.io/revision";
/** Earlier revisions of a ReplicaSet that was rolled back to, oldest first, comma-separated. */
const REVISION_HISTORY_ANNOTATION = "deployment.kubernetes.io/revision-history";
/** Longest `revision-history` Kubernetes writes; the oldest entries make room for new ones. */
const MAX_REVISION_HISTORY_CHARS = 2000;
/** The Deployment's `spec.replicas` when the ReplicaSet was last scaled. */
const DESIRED_REPLICAS_ANNOTATION = "deployment.kubernetes.io/desired-replicas";
/** The most pods the rollout allows at once: desired plus `maxSurge`. */
const MAX_REPLICAS_ANNOTATION = "deployment.kubernetes.io/max-replicas";

const DEPLOYMENTS = "deployments.apps";
const REPLICA_SETS = "replicasets.apps";
const DEFAULT_REVISION_HISTORY_LIMIT = 10;
/** Annotations of a Deployment that describe the Deployment itself and are not copied to its ReplicaSets. */
const NOT_COPIED_ANNOTATIONS = ["kubectl.kubernetes.io/last-applied-configuration", "deployment.kubernetes.io/"];

export interface DeploymentControllerOptions {
  store: ObjectStore;
  /** Deletes surplus old ReplicaSets the way the API server does. */
  deleteObject: DeleteObject;
  logger: Logger;
  /** Where `ScalingReplicaSet` Events about the Deployment go; default nowhere. */
  events?: EventRecorder;
  /** Clock for condition times; default the system clock. */
  now?: () => Date;
}

/**
 * Keeps, for every Deployment, a ReplicaSet running its current pod template, moves replicas from
 * old ReplicaSets to it (Recreate or RollingUpdate), prunes old ReplicaSets to the history limit, and
 * reports the rollout in the Deployment's status.
 */
export function createDeploymentController(options: DeploymentControllerOptions): Controller {
  const { store, deleteObject, events } = options;
  const logger = options.logger.child({ name: "deployment-controller" });
  const now = options.now ?? (() => new Date());

  /** The Deployment key behind a ReplicaSet's controller reference. */
  const deploymentKeyOf = (rs: KubeObject | undefined): string[] => {
    if (!rs) return [];
    const ref = controllerRefOf(rs);
    return ref?.kind === "Deployment" ? [objectKey(rs.metadata.namespace, ref.name)] : [];
  };

  const keysFor = (event: StoreEvent): string[] => {
    const { object, previous } = event;
    switch (event.resource) {
      case DEPLOYMENTS:
        return [objectKey(object.metadata.namespace, object.metadata.name)];
      case REPLICA_SETS:
        return [...deploymentKeyOf(object), ...deploymentKeyOf(previous)];
      case "pods": {
        // Recreate waits for the old pods to be gone, so their comings and goings matter.
        const ref = controllerRefOf(object);
        if (ref?.kind !== "ReplicaSet") return [];
        return deploymentKeyOf(store.get(REPLICA_SETS, object.metadata.namespace, ref.name));
      }
      default:
        return [];
    }
  };

  const reconcile = (key: string): ReconcileResult | void => {
    const { namespace, name } = parseObjectKey(key);
    const deployment: Deployment | undefined = store.get(DEPLOYMENTS, namespace, name);
    if (!deployment) return;
    const uid = deployment.metadata.uid;
    const owned = () => store.list(REPLICA_SETS, namespace, (rs) => isControlledBy(rs, uid)) as ReplicaSet[];
    const sync = new DeploymentSync(store, deleteObject, logger, events, deployment, owned());
    if (!deployment.metadata.deletionTimestamp) sync.rollout();
    return sync.writeStatus(now());
  };

  const initialKeys = (): string[] =>
    store.list(DEPLOYMENTS).map((d) => objectKey(d.metadata.namespace, d.metadata.name));

  return { name: "deployment", keysFor, initialKeys, reconcile };
}

/** One pass over one Deployment: its ReplicaSets as read, updated locally as they are written. */
class DeploymentSync {
  private newReplicaSet: ReplicaSet | undefined;
  private createdReplicaSet: string | undefined;
  private readonly desired: number;

  constructor(
    private readonly store: ObjectStore,
    private readonly deleteObject: DeleteObject,
    private readonly logger: Logger,
    private readonly events: EventRecorder | undefined,
    private deployment: Deployment,
    private replicaSets: ReplicaSet[],
  ) {
    this.desired = deployment.spec?.replicas ?? 1;
    this.newReplicaSet = this.findNewReplicaSet();
  }

  rollout(): void {
    if (this.deployment.spec?.strategy?.type === "Recreate") this.rolloutRecreate();
    else this.rolloutRolling();
    this.syncRevision();
    this.pruneHistory();
  }

  /** Writes the computed status; returns when to look again for the progress deadline. */
  writeStatus(now: Date): ReconcileResult | void {
    const { status, recheckAfterMs } = computeDeploymentStatus({
      deployment: this.deployment,
      newReplicaSet: this.newReplicaSet,
      replicaSets: this.replicaSets,
      createdReplicaSet: this.createdReplicaSet,
      now,
    });
    const { namespace, name } = this.deployment.metadata;
    this.store.mutate(DEPLOYMENTS, namespace, name, (obj) => {
      if (stableStringify(obj.status) === stableStringify(status)) return false;
      obj.status = status;
    });
    return recheckAfterMs === undefined ? undefined : { requeueAfterMs: recheckAfterMs };
  }

  private get oldReplicaSets(): ReplicaSet[] {
    return this.replicaSets.filter((rs) => rs !== this.newReplicaSet);
  }

  /** Old pods go first; the new ReplicaSet is made and scaled up only when none of them is left. */
  private rolloutRecreate(): void {
    for (const rs of this.oldReplicaSets) {
      if ((rs.spec?.replicas ?? 1) !== 0) this.scale(rs, 0);
    }
    if (this.oldPodsRemain()) return;
    const rs = this.newReplicaSet ?? this.createNewReplicaSet(this.desired);
    if ((rs.spec?.replicas ?? 1) !== this.desired) this.scale(rs, this.desired);
  }

  /** New pods up to `maxSurge` above the desired count; old ones down while `maxUnavailable` allows. */
  private rolloutRolling(): void {
    const limits = rolloutLimits(this.deployment);
    const total = () => this.replicaSets.reduce((sum, rs) => sum + replicasOf(rs), 0);

    const current = this.newReplicaSet ? replicasOf(this.newReplicaSet) : 0;
    let wanted = current;
    if (current > this.desired) wanted = this.desired;
    else if (current < this.desired) {
      const room = Math.max(0, this.desired + limits.maxSurge - total());
      wanted = current + Math.min(room, this.desired - current);
    }
    if (!this.newReplicaSet) this.createNewReplicaSet(wanted);
    else if (wanted !== current) this.scale(this.newReplicaSet, wanted);

    const newRs = this.newReplicaSet;
    if (!newRs) return;
    const olds = this.oldReplicaSets.sort(byRevision);
    if (olds.every((rs) => replicasOf(rs) === 0)) return;
    const minAvailable = this.desired - limits.maxUnavailable;
    const newUnavailable = Math.max(0, replicasOf(newRs) - (newRs.status?.availableReplicas ?? 0));
    const maxScaledDown = total() - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return;

    // Pods that are not available cost nothing to remove: they go first.
    let cleaned = 0;
    for (const rs of olds) {
      if (cleaned >= maxScaledDown) break;
      const unhealthy = replicasOf(rs) - (rs.status?.availableReplicas ?? 0);
      if (replicasOf(rs) === 0 || unhealthy <= 0) continue;
      const down = Math.min(maxScaledDown - cleaned, unhealthy);
      this.scale(rs, replicasOf(rs) - down);
      cleaned += down;
    }

    const availableNow = this.replicaSets.reduce((sum, rs) => sum + (rs.status?.availableReplicas ?? 0), 0);
    let budget = availableNow - minAvailable;
    for (const rs of olds) {
      if (budget <= 0) break;
      if (replicasOf(rs) === 0) continue;
      const down = Math.min(replicasOf(rs), budget);
      this.scale(rs, replicasOf(rs) - down);
      budget -= down;
    }
  }

  /** Whether any pod of an old ReplicaSet still exists (stopping ones included) and has not finished. */
  private oldPodsRemain(): boolean {
    const oldUids = new Set(this.oldReplicaSets.map((rs) => rs.metadata.uid));
    if (oldUids.size === 0) return false;
    const unfinishedOld = (obj: KubeObject) => {
      const pod = obj as Pod;
      const phase = pod.status?.phase;
      return oldUids.has(controllerRefOf(pod)?.uid) && phase !== "Succeeded" && phase !== "Failed";
    };
    return this.store.list("pods", this.deployment.metadata.namespace, unfinishedOld).length > 0;
  }

  /** The ReplicaSet whose template is the Deployment's; the oldest one if there are several. */
  private findNewReplicaSet(): ReplicaSet | undefined {
    const template = this.deployment.spec?.template;
    return [...this.replicaSets]
      .sort((a, b) => (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? ""))
      .find((rs) => sameTemplate(rs.spec?.template, template));
  }

  private createNewReplicaSet(replicas: number): ReplicaSet {
    // A name taken by a ReplicaSet with another template moves the hash; a few tries always find a free one.
    for (let attempt = 0; attempt < 5; attempt++) {
      const candidate = this.replicaSetFor(replicas);
      try {
        const created = this.store.create(REPLICA_SETS, candidate) as ReplicaSet;
        this.logger.info(
          {
            namespace: created.metadata.namespace,
            deployment: this.deployment.metadata.name,
            replicaSet: created.metadata.name,
          },
          "created replica set",
        );
        this.replicaSets.push(created);
        this.newReplicaSet = created;
        this.createdReplicaSet = created.metadata.name;
        if (replicas > 0) this.recordScaling(created.metadata.name, 0, replicas);
        return created;
      } catch (error) {
        if (!(error instanceof StatusError) || error.reason !== "AlreadyExists") throw error;
        const { namespace, name } = candidate.metadata;
        const existing: ReplicaSet | undefined = this.store.get(REPLICA_SETS, namespace, name);
        if (
          existing &&
          isControlledBy(existing, this.deployment.metadata.uid) &&
          sameTemplate(existing.spec?.template, this.deployment.spec?.template)
        ) {
          this.replicaSets.push(existing);
          this.newReplicaSet = existing;
          return existing;
        }
        this.bumpCollisionCount();
      }
    }
    throw new Error(`no free ReplicaSet name for deployment ${this.deployment.metadata.name} after 5 hash collisions`);
  }

  private bumpCollisionCount(): void {
    const { namespace, name } = this.deployment.metadata;
    const updated = this.store.mutate(DEPLOYMENTS, namespace, name, (obj) => {
      const status = (obj.status ?? {}) as { collisionCount?: number };
      status.collisionCount = (status.collisionCount ?? 0) + 1;
      obj.status = status;
    });
    if (updated) this.deployment = updated;
  }

  private replicaSetFor(replicas: number): ReplicaSet {
    const d = this.deployment;
    const spec = d.spec ?? {};
    const hash = podTemplateHash(spec.template, d.status?.collisionCount);
    const template = cloneJson(spec.template ?? {});
    template.metadata = {
      ...template.metadata,
      labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH_LABEL]: hash },
    };
    const selector = cloneJson(spec.selector ?? { matchLabels: spec.template?.metadata?.labels ?? {} });
    selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash };
    const owner = controllerReference(d);
    return {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        labels: template.metadata.labels ?? {},
        annotations: {
          ...copiedAnnotations(d),
          ...this.replicaAnnotations(),
          [REVISION_ANNOTATION]: String(this.maxOldRevision() + 1),
        },
        ownerReferences: [owner],
      },
      spec: {
        replicas,
        ...(spec.minReadySeconds ? { minReadySeconds: spec.minReadySeconds } : {}),
        selector,
        template,
      },
    };
  }

  private scale(rs: ReplicaSet, replicas: number): void {
    const { namespace, name } = rs.metadata;
    const before = replicasOf(rs);
    const annotations = this.replicaAnnotations();
    const updated = this.store.mutate(REPLICA_SETS, namespace, name, (obj) => {
      const spec = (obj.spec ?? {}) as { replicas?: number };
      spec.replicas = replicas;
      obj.spec = spec;
      obj.metadata.annotations = { ...obj.metadata.annotations, ...annotations };
    });
    if (!updated) return;
    this.logger.info(
      { namespace, deployment: this.deployment.metadata.name, replicaSet: name, replicas },
      "scaled replica set",
    );
    if (replicas !== before) this.recordScaling(name, before, replicas);
    this.replace(rs, updated);
  }

  /** The `ScalingReplicaSet` Event, worded as Kubernetes 1.32 words it. */
  private recordScaling(replicaSet: string, from: number, to: number): void {
    const direction = to > from ? "up" : "down";
    this.events?.record(this.deployment, {
      type: "Normal",
      reason: "ScalingReplicaSet",
      message: `Scaled ${direction} replica set ${replicaSet} from ${from} to ${to}`,
    });
  }

  /**
   * The new ReplicaSet carries the highest revision, also after a rollback to an old template;
   * so does the Deployment.
   */
  private syncRevision(): void {
    const rs = this.newReplicaSet;
    if (!rs) return;
    const maxOld = this.maxOldRevision();
    const previous = rs.metadata.annotations?.[REVISION_ANNOTATION];
    let revision = Number(previous ?? 0);
    if (!(revision > maxOld)) {
      revision = maxOld + 1;
      const updated = this.store.mutate(REPLICA_SETS, rs.metadata.namespace, rs.metadata.name, (obj) => {
        const annotations: Record<string, string> = {
          ...obj.metadata.annotations,
          [REVISION_ANNOTATION]: String(revision),
        };
        // A ReplicaSet rolled back to keeps the revisions it had before, as Kubernetes records them.
        if (previous) {
          const history = withRevision(annotations[REVISION_HISTORY_ANNOTATION], previous);
          if (history !== undefined) annotations[REVISION_HISTORY_ANNOTATION] = history;
        }
        obj.metadata.annotations = annotations;
      });
      if (updated) this.replace(rs, updated);
    }
    const { namespace, name } = this.deployment.metadata;
    const updated = this.store.mutate(DEPLOYMENTS, namespace, name, (obj) => {
      if (obj.metadata.annotations?.[REVISION_ANNOTATION] === String(revision)) return false;
      obj.metadata.annotations = { ...obj.metadata.annotations, [REVISION_ANNOTATION]: String(revision) };
    });
    if (updated) this.deployment = updated;
  }

  /** Keeps at most `revisionHistoryLimit` old ReplicaSets, and only ever removes empty ones. */
  private pruneHistory(): void {
    const limit = this.deployment.spec?.revisionHistoryLimit ?? DEFAULT_REVISION_HISTORY_LIMIT;
    const olds = this.oldReplicaSets.filter((rs) => !rs.metadata.deletionTimestamp).sort(byRevision);
    for (const rs of olds.slice(0, Math.max(0, olds.length - limit))) {
      const empty = replicasOf(rs) === 0 && (rs.status?.replicas ?? 0) === 0;
      const settled = (rs.status?.observedGeneration ?? 0) >= (rs.metadata.generation ?? 0);
      if (!empty || !settled) continue;
      try {
        this.deleteObject(REPLICA_SETS, rs.metadata.namespace, rs.metadata.name, { propagationPolicy: "Background" });
        this.logger.info(
          { namespace: rs.metadata.namespace, deployment: this.deployment.metadata.name, replicaSet: rs.metadata.name },
          "pruned old replica set",
        );
      } catch (error) {
        if (!(error instanceof StatusError) || error.reason !== "NotFound") throw error;
      }
      this.replicaSets = this.replicaSets.filter((other) => other !== rs);
    }
  }

  private maxOldRevision(): number {
    return this.oldReplicaSets.reduce((max, rs) => Math.max(max, revisionOf(rs)), 0);
  }

  private replicaAnnotations(): Record<string, string> {
    return {
      [DESIRED_REPLICAS_ANNOTATION]: String(this.desired),
      [MAX_REPLICAS_ANNOTATION]: String(this.desired + rolloutLimits(this.deployment).maxSurge),
    };
  }

  private replace(before: ReplicaSet, after: ReplicaSet): void {
    this.replicaSets = this.replicaSets.map((rs) => (rs === before ? after : rs));
    if (this.newReplicaSet === before) this.newReplicaSet = after;
  }
}

function replicasOf(rs: ReplicaSet): number {
  return rs.spec?.replicas ?? 1;
}

function revisionOf(rs: ReplicaSet): number {
  const revision = Number(rs.metadata.annotations?.[REVISION_ANNOTATION] ?? 0);
  return Number.isFinite(revision) ? revision : 0;
}

/** `history` with `revision` appended, dropping the oldest entries past the length limit. */
function withRevision(history: string | undefined, revision: string): string | undefined {
  if (!history) return revision;
  const entries = history.split(",");
  while (entries.length > 0 && [...entries, revision].join(",").length > MAX_REVISION_HISTORY_CHARS) entries.shift();
  const joined = [...entries, revision].join(",");
  return joined.length > MAX_REVISION_HISTORY_CHARS ? undefined : joined;
}

function byRevision(a: ReplicaSet, b: ReplicaSet): number {
  return (
    revisionOf(a) - revisionOf(b) ||
    (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? "")
  );
}

function copiedAnnotations(d: Deployment): Record<string, string> {
  return Object.fromEntries(
    Object.entries(d.metadata.annotations ?? {}).filter(
      ([key]) => !NOT_COPIED_ANNOTATIONS.some((prefix) => key.startsWith(prefix)),
    ),
  );
}
