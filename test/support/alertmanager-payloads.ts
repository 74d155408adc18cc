import { readFileSync } from "node:fs";

/** A webhook payload fixture of test/intake/fixtures, parsed. */
export function payload(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../intake/fixtures/${name}.json`, import.meta.url), "utf8")) as Record<
    string,
    unknown
  >;
}

/** A firing alert about one Pod, in Alertmanager's v4 shape. */
export function firingAlert(
  namespace: string,
  pod: string,
  alertname = "KubePodCrashLooping",
  fingerprint = "f00dfeedf00dfeed",
) {
  return {
    status: "firing",
    labels: { alertname, namespace, pod, container: "etcd" },
    annotations: { summary: "Pod is crash looping." },
    startsAt: "2025-03-14T09:26:53.000Z",
    endsAt: "0001-01-01T00:00:00Z",
    generatorURL: "http://prometheus:9090/graph",
    fingerprint,
  };
}

/** A v4 notification around `alerts`. */
export function notification(alerts: unknown[], extra: Record<string, unknown> = {}) {
  return {
    version: "4",
    receiver: "etcd-responder",
    status: "firing",
    groupKey: '{}:{alertname="KubePodCrashLooping"}',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: "http://alertmanager:9093",
    truncatedAlerts: 0,
    alerts,
    ...extra,
  };
}
