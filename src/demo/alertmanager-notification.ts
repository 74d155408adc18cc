import { createHash } from "node:crypto";

/** The webhook body Alertmanager (payload version 4) sends when KubePodCrashLooping fires for one Pod. */
export function crashLoopNotification(namespace: string, pod: string, container = "etcd"): Record<string, unknown> {
  const labels = {
    alertname: "KubePodCrashLooping",
    namespace,
    pod,
    container,
    severity: "warning",
    job: "kube-state-metrics",
  };
  const fingerprint = createHash("sha256").update(JSON.stringify(labels)).digest("hex").slice(0, 16);
  return {
    version: "4",
    groupKey: `{}:{alertname="KubePodCrashLooping"}`,
    truncatedAlerts: 0,
    status: "firing",
    receiver: "etcd-responder",
    groupLabels: { alertname: "KubePodCrashLooping" },
    commonLabels: labels,
    commonAnnotations: {
      summary: `Pod ${namespace}/${pod} (${container}) is in waiting state (reason: "CrashLoopBackOff").`,
    },
    externalURL: "http://alertmanager.local",
    alerts: [
      {
        status: "firing",
        labels,
        annotations: { summary: `Pod ${namespace}/${pod} is crash looping.` },
        startsAt: new Date().toISOString(),
        endsAt: "0001-01-01T00:00:00Z",
        generatorURL: "http://prometheus.local/graph",
        fingerprint,
      },
    ],
  };
}
