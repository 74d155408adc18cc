import { createHash } from "node:crypto";

/**
 * The receiver deploy/alertmanager names; Alertmanager puts it on every notification and a recovery keeps
 * it on its trigger.
 */
export const RECEIVER = "etcd-responder";

const ALERTNAME = "KubePodCrashLooping";
/** The labels the route in deploy/alertmanager groups by. */
const GROUP_BY = ["alertname", "namespace", "pod"] as const;

/** One firing crash-loop alert: which Pod it is about. */
export interface CrashLoopAlert {
  /** The crash-looping Pod. */
  pod: string;
  /** The Pod's namespace; default `default`. */
  namespace?: string;
  /** Alertmanager's fingerprint of the alert; default a hash of its labels, as Alertmanager makes it. */
  fingerprint?: string;
  /** When the alert started firing; default now. */
  startsAt?: Date;
}

/**
 * A webhook notification (payload version 4) with one firing `KubePodCrashLooping` alert per entry of
 * `alerts`, shaped as Alertmanager 0.25 posts it, each alert with the labels and annotations the shipped
 * rule in deploy/prometheus gives it. The group is the one a route grouping by those of alertname,
 * namespace and pod the alerts share would form: for one alert, the route in deploy/alertmanager.
 */
export function crashLoopNotification(alerts: readonly CrashLoopAlert[]): Record<string, unknown> {
  if (alerts.length === 0) throw new Error("a notification carries at least one alert");
  const firing = alerts.map(firingAlert);
  const commonLabels = sharedLabels(firing.map((alert) => alert.labels));
  const groupLabels = Object.fromEntries(
    GROUP_BY.filter((name) => name in commonLabels).map((name) => [name, commonLabels[name]!]),
  );
  const groupMatchers = Object.entries(groupLabels).map(([name, value]) => `${name}="${value}"`);
  return {
    receiver: RECEIVER,
    status: "firing",
    alerts: firing,
    groupLabels,
    commonLabels,
    commonAnnotations: {},
    externalURL: "http://alertmanager:9093",
    version: "4",
    groupKey: `{}/{alertname="${ALERTNAME}"}:{${groupMatchers.join(", ")}}`,
    truncatedAlerts: 0,
  };
}

/**
 * A Pod name of the member's Deployment by the naming convention, for a member whose Pod is gone
 * (the receiver maps Pods by name, so the Pod need not exist any more).
 */
export function conventionalPodName(deployment: string): string {
  return `${deployment}-5d8f7c9b6a-q7w2x`;
}

/** One alert of the notification. */
function firingAlert(alert: CrashLoopAlert) {
  const namespace = alert.namespace ?? "default";
  const labels: Record<string, string> = {
    alertname: ALERTNAME,
    namespace,
    pod: alert.pod,
    container: "etcd",
    instance: "kube-state-metrics:8080",
    job: "kube-state-metrics",
    reason: "CrashLoopBackOff",
    severity: "warning",
    uid: "00000000-0000-4000-8000-000000000000",
  };
  return {
    status: "firing",
    labels,
    annotations: {
      summary: `etcd member Pod ${namespace}/${alert.pod} is crash-looping`,
      description:
        `Container etcd of ${namespace}/${alert.pod} waits in CrashLoopBackOff; ` +
        "etcd-responder recovers the member.",
    },
    startsAt: (alert.startsAt ?? new Date()).toISOString(),
    endsAt: "0001-01-01T00:00:00Z",
    generatorURL: "http://prometheus:9090/graph?g0.expr=kube_pod_container_status_waiting_reason&g0.tab=1",
    fingerprint: alert.fingerprint ?? createHash("sha256").update(JSON.stringify(labels)).digest("hex").slice(0, 16),
  };
}

/** The labels every one of `sets` has with the same value. */
function sharedLabels(sets: readonly Record<string, string>[]): Record<string, string> {
  const [first, ...rest] = sets;
  return Object.fromEntries(
    Object.entries(first ?? {}).filter(([name, value]) => rest.every((set) => set[name] === value)),
  );
}
