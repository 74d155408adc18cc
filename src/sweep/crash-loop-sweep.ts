import type { ResolvedCluster, ResponderConfig } from "../config/index.js";
import type { KubernetesGateway } from "../gateways/kubernetes/index.js";
import type { ClusterModes } from "../modes/index.js";
import type { Logger } from "../observability/logger.js";
import type { EnqueueResult, RecoveryQueue } from "../queue/index.js";
import { clusterMemberPods } from "./cluster-member-pods.js";
import { judgeMember } from "./member-verdict.js";

/** What the sweep works with. */
export interface CrashLoopSweepOptions {
  /** The clusters to sweep, and `recovery.deadAfterSeconds` for members without a Pod. */
  config: Pick<ResponderConfig, "clusters" | "recovery">;
  /** Reads Deployments and Pods. */
  kubernetes: Pick<KubernetesGateway, "readDeployment" | "listPods">;
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
export interface SweepReport {
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
    if ((await options.modes.get(cluster.namespace, cluster.name)).mode === "paused") {
      report.paused.push(key);
      return;
    }
    for (const look of await clusterMemberPods(options.kubernetes, cluster)) {
      const memberKey = `${key}/${look.member}`;
      if ("problem" in look) {
        logger.warn({ cluster: key, member: look.member, problem: look.problem }, "sweep cannot judge the member");
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
        cluster: cluster.name,
        namespace: cluster.namespace,
        member: look.member,
        trigger: { kind: "sweep", ...(verdict.pod ? { pod: verdict.pod } : {}) },
      });
      report.requested.push(result);
      const fields = { id: result.id, cluster: key, member: look.member, reason: verdict.reason };
      if (result.deduplicated) logger.debug(fields, "sweep found a member whose recovery is already queued");
      else logger.info(fields, "sweep queued a recovery");
    }
  };

  return {
    sweep: async () => {
      const report: SweepReport = { requested: [], paused: [], failed: [] };
      await Promise.all(
        options.config.clusters.map(async (cluster) => {
          try {
            await sweepCluster(cluster, report);
          } catch (error) {
            const key = `${cluster.namespace}/${cluster.name}`;
            report.failed.push({ cluster: key, error: error instanceof Error ? error.message : String(error) });
            logger.warn({ err: error, cluster: key }, "sweep of the cluster failed; the next sweep tries again");
          }
        }),
      );
      return report;
    },
  };
}
