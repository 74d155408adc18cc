import { messageOf } from "../core/errors.js";
import type { ResolvedCluster, ResolvedMember } from "../core/config/types.js";
import type { ResponderConfig } from "../core/config/load.js";
import type { KubernetesGateway } from "../gateways/kubernetes/kubernetes-gateway.js";
import type { ClusterModes } from "../queue/cluster-modes.js";
import type { Logger } from "../core/logger.js";
import type { EnqueueResult, RecoveryQueue } from "../queue/recovery-queue.js";
import type { V1Pod, V1StatefulSet } from "@kubernetes/client-node";
import { findEtcdContainer } from "../recovery/pods.js";
import { CLUSTER_LABEL, selectorString, matchesSelector, STATEFULSET_POD_NAME_LABEL } from "../core/labels.js";

/** What the sweep works with. */
export interface CrashLoopSweepOptions {
  /** The clusters to sweep, and `recovery.deadAfterSeconds` for members without a Pod. */
  config: Pick<ResponderConfig, "catalog" | "recovery">;
  /** Reads Deployments and Pods. */
  kubernetes: Pick<KubernetesGateway, "readDeployment" | "readStatefulSet" | "listPods">;
  /** Paused clusters are not swept. */
  modes: Pick<ClusterModes, "get">;
  /** Where recoveries go; a member already queued or running joins its recovery, so concurrent sweeps are harmless. */
  queue: Pick<RecoveryQueue, "enqueue">;
  /** The process logger; a child `{ name: "sweep" }` is taken. */
  logger: Logger;
  /** Milliseconds since the epoch; default `Date.now`. */
  now?: () => number;
}

/** What one sweep did. */
interface SweepReport {
  /** Recoveries the sweep queued or joined. */
  requested: EnqueueResult[];
  /** Clusters (`namespace/name`) not swept because they are paused. */
  paused: string[];
  /** Clusters (`namespace/name`) that could not be swept, with why. */
  failed: { cluster: string; error: string }[];
}

/** A sweep over every configured cluster; it remembers members without a Pod from one sweep to the next. */
export interface CrashLoopSweep {
  /** Sweeps every cluster once; never rejects (a cluster that fails is reported and logged). */
  sweep(): Promise<SweepReport>;
}

/**
 * Finds crash-looping members that no alert reported and queues their recoveries with a `sweep` trigger:
 * a safety net for a lost or silenced alert. Clusters in `observe` are swept too (their recoveries only
 * plan); paused ones are not.
 */
export function createCrashLoopSweep(options: CrashLoopSweepOptions): CrashLoopSweep {
  const logger = options.logger.child({ name: "sweep" });
  const now = options.now ?? Date.now;
  const deadAfterMs = options.config.recovery.deadAfterSeconds * 1000;
  // Members seen without a Pod, by `namespace/name/member`: when that was first seen.
  const missingSince = new Map<string, number>();

  const sweepCluster = async (cluster: ResolvedCluster, report: SweepReport): Promise<void> => {
    const key = `${cluster.namespace}/${cluster.name}`;
    if ((await options.modes.get(cluster)).mode === "paused") {
      report.paused.push(key);
      return;
    }
    for (const look of await clusterMemberPods(options.kubernetes, cluster)) {
      const index = look.member.index;
      const memberKey = `${key}/${index}`;
      if ("problem" in look) {
        logger.warn({ cluster: key, member: index, problem: look.problem }, "sweep cannot judge the member");
        continue;
      }
      const seenMissing = missingSince.get(memberKey);
      const verdict = judgeMember(look, {
        now: now(),
        deadAfterMs,
        ...(seenMissing !== undefined ? { missingSince: seenMissing } : {}),
      });
      if (verdict.missingSince === undefined) missingSince.delete(memberKey);
      else missingSince.set(memberKey, verdict.missingSince);
      if (verdict.action !== "recover") continue;
      const result = await options.queue.enqueue({
        target: { cluster, member: look.member },
        trigger: { kind: "sweep", ...(verdict.pod ? { pod: verdict.pod } : {}) },
      });
      report.requested.push(result);
      const fields = { id: result.id, cluster: key, member: index, reason: verdict.reason };
      if (result.deduplicated) logger.debug(fields, "sweep found a member whose recovery is already queued");
      else logger.info(fields, "sweep queued a recovery");
    }
  };

  return {
    sweep: async () => {
      const report: SweepReport = { requested: [], paused: [], failed: [] };
      await Promise.all(
        options.config.catalog.clusters.map(async (cluster) => {
          try {
            await sweepCluster(cluster, report);
          } catch (error) {
            const key = `${cluster.namespace}/${cluster.name}`;
            report.failed.push({ cluster: key, error: messageOf(error) });
            logger.warn({ err: error, cluster: key }, "sweep of the cluster failed; the next sweep tries again");
          }
        }),
      );
      return report;
    },
  };
}

/** A sweep that runs on its own until stopped. */
export interface PeriodicSweep {
  /** Stops scheduling sweeps and waits for one under way. */
  stop(): Promise<void>;
}

/**
 * Sweeps at once, then `intervalMs` after each sweep ended (sweeps never overlap within a process).
 */
export function startPeriodicSweep(sweep: CrashLoopSweep, intervalMs: number, processLogger: Logger): PeriodicSweep {
  const logger = processLogger.child({ name: "sweep" });
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let current: Promise<void> | undefined;

  const run = () => {
    current = sweep.sweep().then(
      (report) => {
        logger.debug(
          { requested: report.requested.length, paused: report.paused.length, failed: report.failed.length },
          "sweep done",
        );
      },
      // `sweep` does not reject; this only keeps a surprise from becoming an unhandled rejection.
      (error: unknown) => logger.warn({ err: error }, "sweep failed"),
    );
    void current.then(() => {
      current = undefined;
      if (!stopped) timer = setTimeout(run, intervalMs);
    });
  };
  logger.info({ intervalSeconds: intervalMs / 1000 }, "crash-loop sweep started");
  run();

  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}

/** What the sweep saw of one member. */
export interface MemberSighting {
  /**
   * The member's Deployment's `spec.replicas` (1 when unset), or for a StatefulSet member 1 while the StatefulSet's
   * replicas reach its ordinal, else 0; undefined when the workload does not exist.
   */
  replicas: number | undefined;
  /** The member's Pods (its Deployment's selector picks them), Terminating ones included. */
  pods: readonly V1Pod[];
}

/** What the sweep knows beyond one sighting. */
export interface SweepMoment {
  /** Now, ms since the epoch. */
  now: number;
  /** How long a member may have no Pod before it counts as dead, ms (`recovery.deadAfterSeconds`). */
  deadAfterMs: number;
  /** When an earlier sweep first saw the member without a Pod, if it did and nothing changed since. */
  missingSince?: number;
}

/**
 * The sweep's decision about one member. `recover`: queue a recovery (`pod` names the crash-looping Pod);
 * `none`: nothing to do. `missingSince` is set while the member has no Pod, for the next sweep to remember.
 */
export type SweepVerdict =
  | { action: "recover"; reason: string; pod?: string; missingSince?: number }
  | { action: "none"; reason: string; missingSince?: number };

/**
 * Decides whether a member needs a recovery: its etcd container waits in CrashLoopBackOff, or its
 * Deployment wants a Pod but has had none for longer than `deadAfterMs`. A member without a Deployment or
 * scaled to 0 is left alone: the first is not there to recover, the second was stopped by someone.
 */
export function judgeMember(sighting: MemberSighting, moment: SweepMoment): SweepVerdict {
  if (sighting.replicas === undefined) return { action: "none", reason: "the member's workload does not exist" };
  if (sighting.replicas === 0) return { action: "none", reason: "the member's workload is scaled below it" };
  const live = sighting.pods.filter((pod) => !pod.metadata?.deletionTimestamp);
  const crashLooping = live.find((pod) => crashLoopingContainer(pod) !== undefined);
  if (crashLooping) {
    const name = crashLooping.metadata?.name ?? "(unnamed)";
    return { action: "recover", reason: `Pod ${name} is in CrashLoopBackOff`, pod: name };
  }
  if (live.length > 0) return { action: "none", reason: "the member has a Pod that is not crash-looping" };

  const since = moment.missingSince ?? moment.now;
  const missingMs = moment.now - since;
  if (missingMs > moment.deadAfterMs) {
    return {
      action: "recover",
      reason: `its workload wants ${sighting.replicas} Pod(s) but has had none for ${Math.round(missingMs / 1000)} s`,
      missingSince: since,
    };
  }
  return { action: "none", reason: "the member has no Pod yet; waiting to see whether one comes", missingSince: since };
}

/** The name of the Pod's etcd container when it waits in CrashLoopBackOff (a sidecar's crash loop does not count). */
export function crashLoopingContainer(pod: V1Pod): string | undefined {
  const statuses = pod.status?.containerStatuses ?? [];
  const etcd = findEtcdContainer(pod.spec?.containers ?? []);
  const candidates = etcd ? statuses.filter((status) => status.name === etcd.name) : statuses;
  return candidates.find((status) => status.state?.waiting?.reason === "CrashLoopBackOff")?.name;
}

/** One member as the sweep saw it, or the `problem` that kept it from judging the member. */
type MemberLook = ({ member: ResolvedMember } & MemberSighting) | { member: ResolvedMember; problem: string };

/**
 * Reads every member of a cluster: its Deployment and the Pods the Deployment's selector picks. The Pods
 * carrying the cluster label (what the example cluster generator sets) are listed once; a member whose
 * Deployment selects by other labels gets a list of its own, so any labelling works.
 */
async function clusterMemberPods(
  kubernetes: Pick<KubernetesGateway, "readDeployment" | "readStatefulSet" | "listPods">,
  cluster: ResolvedCluster,
): Promise<MemberLook[]> {
  const { namespace } = cluster;
  let labelled: Promise<V1Pod[]> | undefined;
  const labelledPods = () =>
    (labelled ??= kubernetes.listPods(namespace, `${CLUSTER_LABEL}=${cluster.name}`).then((list) => list.pods));

  // A StatefulSet cluster's Pods are read once: the StatefulSet, then every Pod its selector picks.
  let statefulSet: Promise<{ set?: V1StatefulSet; pods: V1Pod[] }> | undefined;
  const statefulSetPods = (name: string) =>
    (statefulSet ??= kubernetes.readStatefulSet(namespace, name).then(async (set) => {
      const query = selectorString(set?.spec?.selector);
      if (!set || query === undefined) return { pods: [], ...(set ? { set } : {}) };
      return { set, pods: (await kubernetes.listPods(namespace, query)).pods };
    }));
  return Promise.all(
    cluster.members.map(async (member): Promise<MemberLook> => {
      const { workload } = member;
      if (workload.kind === "StatefulSet") {
        const { set, pods } = await statefulSetPods(workload.name);
        if (!set) return { member, replicas: undefined, pods: [] };
        // A StatefulSet runs the member only while its replicas reach the member's ordinal.
        const replicas = (set.spec?.replicas ?? 1) > workload.ordinal ? 1 : 0;
        const own = pods.filter((pod) => pod.metadata?.labels?.[STATEFULSET_POD_NAME_LABEL] === workload.pod);
        return { member, replicas, pods: own };
      }
      const name = workload.name;
      const deployment = await kubernetes.readDeployment(namespace, name);
      if (!deployment) return { member, replicas: undefined, pods: [] };
      const replicas = deployment.spec?.replicas ?? 1;
      const selector = deployment.spec?.selector;
      const query = selectorString(selector);
      if (!selector || query === undefined) {
        return { member, problem: `Deployment ${name} has an empty selector, so its Pods cannot be told apart` };
      }
      if (selector.matchLabels?.[CLUSTER_LABEL] === cluster.name) {
        const pods = (await labelledPods()).filter((pod) => matchesSelector(pod.metadata?.labels, selector));
        return { member, replicas, pods };
      }
      const { pods } = await kubernetes.listPods(namespace, query);
      return { member, replicas, pods };
    }),
  );
}
