/** A firing alert about one Pod, as kube-prometheus's KubePodCrashLooping rule raises it. */
export interface CrashLoopAlert {
  namespace: string;
  pod: string;
  fingerprint: string;
}

/** The receiver the notifications come from, kept on the recovery's trigger. */
export const RECEIVER = "etcd-responder";

/** An Alertmanager v4 webhook notification with one firing KubePodCrashLooping alert per entry. */
export function crashLoopNotification(alerts: CrashLoopAlert[]): Record<string, unknown> {
  return {
    version: "4",
    receiver: RECEIVER,
    status: "firing",
    groupKey: '{}:{alertname="KubePodCrashLooping"}',
    truncatedAlerts: 0,
    groupLabels: { alertname: "KubePodCrashLooping" },
    commonLabels: { alertname: "KubePodCrashLooping", container: "etcd", severity: "warning" },
    commonAnnotations: {},
    externalURL: "http://alertmanager:9093",
    alerts: alerts.map((alert) => ({
      status: "firing",
      labels: {
        alertname: "KubePodCrashLooping",
        namespace: alert.namespace,
        pod: alert.pod,
        container: "etcd",
        job: "kube-state-metrics",
        reason: "CrashLoopBackOff",
        severity: "warning",
      },
      annotations: { summary: "Pod is crash looping." },
      startsAt: new Date().toISOString(),
      endsAt: "0001-01-01T00:00:00Z",
      generatorURL: "http://prometheus:9090/graph",
      fingerprint: alert.fingerprint,
    })),
  };
}

/**
 * A Pod name of the member's Deployment by the naming convention, for a member whose Pod is gone
 * (the receiver maps Pods by name, so the Pod need not exist any more).
 */
export function conventionalPodName(deployment: string): string {
  return `${deployment}-5d8f7c9b6a-q7w2x`;
}
