import type { Request, RequestHandler, Response } from "express";
import type { ClusterMember } from "../core/catalog.js";
import type { ClusterModes, ClusterModeState } from "../queue/cluster-modes.js";
import type { Logger } from "../core/logger.js";
import type { Metrics } from "../core/metrics.js";
import type { RecoveryQueue, RecoveryRequest } from "../queue/recovery-queue.js";
import type { PodMembers } from "./pod-member.js";
import { parseInput } from "./http.js";
import { z } from "zod";

/** What the webhook route works with. */
export interface AlertsRouteDeps {
  /** Where the recovery requests go. */
  queue: Pick<RecoveryQueue, "enqueue" | "findJoinable">;
  /** Whether a cluster is paused. */
  modes: Pick<ClusterModes, "get">;
  /** Maps an alert's Pod to its member. */
  podMembers: PodMembers;
  /** Counts the alerts by result. */
  metrics: Metrics;
  /** Logs each queued recovery and a summary per notification. */
  logger: Logger;
  /** Alert names that start a recovery. */
  alertNames: readonly string[];
}

/** One new recovery in the webhook's answer. */
interface EnqueuedRecovery {
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
  target: ClusterMember;
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

    // One lookup per notification: however many Pods it names, at most one Kubernetes LIST per namespace.
    const memberOfPod = deps.podMembers.lookup();
    const pods = new Map<string, Promise<ClusterMember | undefined>>();
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
        lookup = memberOfPod(verdict.namespace, verdict.pod);
        pods.set(podKey, lookup);
      }
      const target = await lookup;
      if (!target) {
        ignore("unknown-pod");
        continue;
      }
      const memberKey = `${target.cluster.namespace}/${target.cluster.name}/${target.member.index}`;
      const group = byMember.get(memberKey) ?? { target, alerts: [] };
      group.alerts.push(verdict);
      byMember.set(memberKey, group);
    }

    const answer: AlertsAnswer = { enqueued: [], deduplicated: 0, ignored: 0 };
    const modes = new Map<string, Promise<ClusterModeState>>();
    for (const { target, alerts } of byMember.values()) {
      const { cluster } = target;
      const clusterKey = `${cluster.namespace}/${cluster.name}`;
      let mode = modes.get(clusterKey);
      if (!mode) {
        mode = deps.modes.get(cluster);
        modes.set(clusterKey, mode);
      }
      const [first] = alerts as [AlertCandidate, ...AlertCandidate[]];
      const request: RecoveryRequest = {
        target,
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
          member: target.member.index,
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
    // Only a new recovery is an event. A notification that queues nothing (its alerts repeat queued recoveries,
    // or are ignored) is a storm's echo or noise: debug, counted by the metrics all the same.
    deps.logger[answer.enqueued.length > 0 ? "info" : "debug"](
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

/** Label and annotation sets are objects of strings in every Alertmanager version. */
const labelSet = z.record(z.string(), z.string({ error: "expected a string" }), {
  error: "expected an object of strings",
});

const optionalText = z.string({ error: "expected a string" }).optional();

/**
 * One alert of a notification. Only the fields the intake reads are checked; the others
 * (`annotations`, `startsAt`, `endsAt`, `generatorURL`) and unknown ones pass unchecked.
 */
const alertSchema = z.looseObject(
  {
    /** `firing` or `resolved`; when absent the notification's `status` counts. */
    status: optionalText,
    /** The alert's labels: `alertname`, `namespace` and `pod` decide whether it becomes a recovery. */
    labels: labelSet,
    /** Alertmanager's identifier of the alert, kept on the recovery's trigger. */
    fingerprint: optionalText,
  },
  { error: "expected an alert object" },
);

/**
 * The Alertmanager webhook body (payload version "4"), parsed leniently: unknown fields are ignored,
 * so newer Alertmanager versions keep working. Only `alerts` is required.
 */
const alertmanagerPayloadSchema = z.looseObject(
  {
    /** Payload format version, `"4"` today; not checked. */
    version: z.unknown().optional(),
    /** The receiver the notification was sent for, kept on the recovery's trigger. */
    receiver: optionalText,
    /** `firing` when at least one alert of the group fires, else `resolved`. */
    status: optionalText,
    /** The alerts of the group. */
    alerts: z.array(alertSchema, { error: "expected a list of alerts" }),
    /** Identifies the alert group in Alertmanager; logged. */
    groupKey: optionalText,
    /** Alerts Alertmanager left out because of `max_alerts`; logged when not zero. */
    truncatedAlerts: z.number({ error: "expected a number" }).optional(),
  },
  { error: "expected a JSON object" },
);

/** One alert of a notification. */
export type AlertmanagerAlert = z.infer<typeof alertSchema>;

/** Why an alert leads to no recovery. */
type IgnoreReason =
  /** The alert is resolved (or has a status other than `firing`). */
  | "not-firing"
  /** Its `alertname` is not one of the configured alert names. */
  | "other-alertname"
  /** It has no `namespace` or `pod` label. */
  | "no-pod"
  /** The Pod belongs to no configured member. */
  | "unknown-pod"
  /** The member's cluster is paused. */
  | "paused";

/** A firing alert about a Pod: a recovery candidate once the Pod maps to a member. */
interface AlertCandidate {
  kind: "candidate";
  /** The alert's `alertname`, one of the configured ones. */
  alertname: string;
  /** The Pod's namespace (`namespace` label). */
  namespace: string;
  /** The Pod's name (`pod` label). */
  pod: string;
  /** Alertmanager's fingerprint; empty when the payload has none. */
  fingerprint: string;
  /** When the alert started firing, if the payload says. */
  startsAt?: string;
}

/** What to do with one alert, judged from the alert alone. */
export type AlertClassification = AlertCandidate | { kind: "ignored"; reason: IgnoreReason };

/**
 * Decides whether an alert may start a recovery: it fires (its own status, else the notification's),
 * its `alertname` is one of `alertNames`, and it names a namespace and a Pod.
 */
export function classifyAlert(
  alert: AlertmanagerAlert,
  notificationStatus: string | undefined,
  alertNames: readonly string[],
): AlertClassification {
  if ((alert.status ?? notificationStatus) !== "firing") return { kind: "ignored", reason: "not-firing" };
  const alertname = label(alert, "alertname");
  if (alertname === undefined || !alertNames.includes(alertname)) return { kind: "ignored", reason: "other-alertname" };
  const namespace = label(alert, "namespace");
  const pod = label(alert, "pod");
  if (!namespace || !pod) return { kind: "ignored", reason: "no-pod" };
  const startsAt =
    typeof alert.startsAt === "string" && !Number.isNaN(Date.parse(alert.startsAt)) ? alert.startsAt : undefined;
  return {
    kind: "candidate",
    alertname,
    namespace,
    pod,
    fingerprint: alert.fingerprint ?? "",
    ...(startsAt ? { startsAt } : {}),
  };
}

/** An own label only: a label called `constructor` or `__proto__` must not read inherited values. */
function label(alert: AlertmanagerAlert, name: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(alert.labels, name) ? alert.labels[name] : undefined;
}
