import type { Request, RequestHandler, Response } from "express";
import type { ResolvedCluster, ResponderConfig } from "../../config/index.js";
import type { ClusterModes, ClusterModeState } from "../../modes/cluster-modes.js";
import type { Logger } from "../../observability/logger.js";
import type { Metrics } from "../../observability/metrics.js";
import type { RecoveryQueue, RecoveryRequest } from "../../queue/recovery-queue.js";
import { alertmanagerPayloadSchema } from "../alertmanager-payload.js";
import { classifyAlert, type AlertCandidate, type IgnoreReason } from "../classify-alert.js";
import type { MemberOfPod, PodMember } from "../member-of-pod.js";
import { parseInput } from "../parse-input.js";

/** What the webhook route works with. */
export interface AlertsRouteDeps {
  /** The configured clusters an alert's Pod must belong to. */
  config: Pick<ResponderConfig, "clusters">;
  /** Where the recovery requests go. */
  queue: Pick<RecoveryQueue, "enqueue" | "findJoinable">;
  /** Whether a cluster is paused. */
  modes: Pick<ClusterModes, "get">;
  /** Maps an alert's Pod to its member. */
  memberOfPod: MemberOfPod;
  /** Counts the alerts by result. */
  metrics: Metrics;
  /** Logs each queued recovery and a summary per notification. */
  logger: Logger;
  /** Alert names that start a recovery. */
  alertNames: readonly string[];
}

/** One new recovery in the webhook's answer. */
export interface EnqueuedRecovery {
  /** The recovery's id, for `GET /v1/recoveries/:id`. */
  id: string;
  /** The cluster name. */
  cluster: string;
  /** The cluster's namespace. */
  namespace: string;
  /** Member index, 1-based. */
  member: number;
}

/** The webhook's answer: every alert is counted once, as enqueued, deduplicated or ignored. */
export interface AlertsAnswer {
  /** Recoveries queued by this notification (not those that joined an already queued one). */
  enqueued: EnqueuedRecovery[];
  /** Alerts whose member already had a recovery queued or running, or that repeat a member of this notification. */
  deduplicated: number;
  /** Alerts that lead to no recovery: resolved, another alert name, an unknown Pod, or a paused cluster. */
  ignored: number;
}

/** The alerts of one notification that name the same member. */
interface MemberAlerts {
  cluster: ResolvedCluster;
  member: number;
  alerts: AlertCandidate[];
}

/**
 * `POST /v1/alerts`: turns the firing crash-loop alerts of an Alertmanager notification into one
 * recovery request per member. Nothing is counted until every request is queued, so a 503 (which
 * Alertmanager answers by sending again) never counts an alert twice; queueing again is harmless
 * because the queue joins requests for a member already queued.
 */
export function alertsRoute(deps: AlertsRouteDeps): RequestHandler {
  return async (request: Request, response: Response) => {
    const payload = parseInput(alertmanagerPayloadSchema, request.body, "Alertmanager notification");
    const ignored = new Map<IgnoreReason, number>();
    const ignore = (reason: IgnoreReason, count = 1) => ignored.set(reason, (ignored.get(reason) ?? 0) + count);

    const pods = new Map<string, Promise<PodMember | undefined>>();
    const byMember = new Map<string, MemberAlerts>();
    for (const alert of payload.alerts) {
      const verdict = classifyAlert(alert, payload.status, deps.alertNames);
      if (verdict.kind === "ignored") {
        ignore(verdict.reason);
        continue;
      }
      const podKey = `${verdict.namespace}/${verdict.pod}`;
      let lookup = pods.get(podKey);
      if (!lookup) {
        lookup = deps.memberOfPod(verdict.namespace, verdict.pod);
        pods.set(podKey, lookup);
      }
      const found = await lookup;
      const cluster =
        found && deps.config.clusters.find((c) => c.name === found.cluster && c.namespace === verdict.namespace);
      if (!found || !cluster || found.member < 1 || found.member > cluster.members.length) {
        ignore("unknown-pod");
        continue;
      }
      const memberKey = `${cluster.namespace}/${cluster.name}/${found.member}`;
      const group = byMember.get(memberKey) ?? { cluster, member: found.member, alerts: [] };
      group.alerts.push(verdict);
      byMember.set(memberKey, group);
    }

    const answer: AlertsAnswer = { enqueued: [], deduplicated: 0, ignored: 0 };
    const modes = new Map<string, Promise<ClusterModeState>>();
    for (const { cluster, member, alerts } of byMember.values()) {
      const clusterKey = `${cluster.namespace}/${cluster.name}`;
      let mode = modes.get(clusterKey);
      if (!mode) {
        mode = deps.modes.get(cluster.namespace, cluster.name);
        modes.set(clusterKey, mode);
      }
      const [first] = alerts as [AlertCandidate, ...AlertCandidate[]];
      const request: RecoveryRequest = {
        cluster: cluster.name,
        namespace: cluster.namespace,
        member,
        trigger: {
          kind: "alert",
          alertname: first.alertname,
          fingerprint: first.fingerprint,
          receiver: payload.receiver ?? "",
          pod: first.pod,
          ...latestStart(alerts),
        },
      };
      // The mode and the member's queued recovery are read at once: a storm's repeat needs nothing more.
      const [{ mode: clusterMode }, joinable] = await Promise.all([mode, deps.queue.findJoinable(request)]);
      if (clusterMode === "paused") {
        ignore("paused", alerts.length);
        continue;
      }
      const result = joinable ?? (await deps.queue.enqueue({ ...request, expectedMode: clusterMode }));
      // A storm repeats one alert thousands of times: only a new recovery is worth an info line.
      deps.logger[result.deduplicated ? "debug" : "info"](
        {
          id: result.id,
          cluster: cluster.name,
          namespace: cluster.namespace,
          member,
          pod: first.pod,
          alertname: first.alertname,
          deduplicated: result.deduplicated,
        },
        result.deduplicated ? "recovery already queued" : "recovery queued",
      );
      if (result.deduplicated) {
        answer.deduplicated += alerts.length;
      } else {
        answer.enqueued.push({
          id: result.id,
          cluster: result.cluster,
          namespace: result.namespace,
          member: result.member,
        });
        answer.deduplicated += alerts.length - 1;
      }
    }
    for (const count of ignored.values()) answer.ignored += count;

    deps.metrics.countAlerts("enqueued", answer.enqueued.length);
    deps.metrics.countAlerts("deduplicated", answer.deduplicated);
    deps.metrics.countAlerts("ignored", answer.ignored);
    // A notification that only repeats queued recoveries is a storm's echo, not an event: debug.
    const repeatOnly = answer.enqueued.length === 0 && answer.ignored === 0;
    deps.logger[repeatOnly ? "debug" : "info"](
      {
        receiver: payload.receiver,
        groupKey: payload.groupKey,
        alerts: payload.alerts.length,
        ...(payload.truncatedAlerts ? { truncatedAlerts: payload.truncatedAlerts } : {}),
        enqueued: answer.enqueued.length,
        deduplicated: answer.deduplicated,
        ignored: Object.fromEntries(ignored),
      },
      "notification received",
    );
    response.status(202).json(answer);
  };
}

/** The latest start among a member's alerts: if even that predates the member's last recovery, all do. */
function latestStart(alerts: readonly AlertCandidate[]): { startsAt?: string } {
  const starts = alerts.map((a) => a.startsAt).filter((t): t is string => t !== undefined);
  if (starts.length !== alerts.length || starts.length === 0) return {};
  return { startsAt: starts.reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b)) };
}
