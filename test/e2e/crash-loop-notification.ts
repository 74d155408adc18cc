/** What the crash-loop notification is about. */
export interface CrashLoopAlert {
  /** The crash-looping Pod. */
  pod: string;
  /** The Pod's namespace; default `default`. */
  namespace?: string;
  /** Alertmanager's fingerprint of the alert; default a fixed one. */
  fingerprint?: string;
  /** When the alert started firing; default now. */
  startsAt?: Date;
}

/**
 * A webhook notification with one firing `KubePodCrashLooping` alert, shaped as Alertmanager 0.25 posts
 * it for the route in deploy/alertmanager (grouped by alertname, namespace and pod), with the labels the
 * shipped rule gives the alert.
 */
export function crashLoopNotification(alert: CrashLoopAlert): Record<string, unknown> {
  const namespace = alert.namespace ?? "default";
  const groupLabels = { alertname: "KubePodCrashLooping", namespace, pod: alert.pod };
  const labels = {
    ...groupLabels,
    container: "etcd",
    instance: "kube-state-metrics:8080",
    job: "kube-state-metrics",
    reason: "CrashLoopBackOff",
    severity: "warning",
    uid: "00000000-0000-4000-8000-000000000000",
  };
  return {
    receiver: "etcd-responder",
    status: "firing",
    alerts: [
      {
        status: "firing",
        labels,
        annotations: {
          summary: `etcd member Pod ${namespace}/${alert.pod} is crash-looping`,
          description: `Container etcd of ${namespace}/${alert.pod} waits in CrashLoopBackOff; etcd-responder recovers the member.`,
        },
        startsAt: (alert.startsAt ?? new Date()).toISOString(),
        endsAt: "0001-01-01T00:00:00Z",
        generatorURL: "http://prometheus:9090/graph?g0.expr=kube_pod_container_status_waiting_reason&g0.tab=1",
        fingerprint: alert.fingerprint ?? "5e7a0c2b9d1f4e63",
      },
    ],
    groupLabels,
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: "http://alertmanager:9093",
    version: "4",
    groupKey: `{}/{alertname="KubePodCrashLooping",namespace=~"${namespace}"}:{alertname="KubePodCrashLooping", namespace="${namespace}", pod="${alert.pod}"}`,
    truncatedAlerts: 0,
  };
}
