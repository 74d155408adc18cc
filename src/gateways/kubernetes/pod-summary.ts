import type { V1Pod } from "@kubernetes/client-node";
import { isPodReady } from "./pod-ready.js";

/**
 * One line about a set of Pods for a log or an error: name, phase, the reason a container waits or
 * ended (CrashLoopBackOff, Error), readiness, and whether it is being deleted.
 * `example-1-7d9f-x2k4q Running ready; example-2-5c8b-p9w2z Running CrashLoopBackOff not ready`.
 */
export function summarizePods(pods: readonly V1Pod[]): string {
  if (pods.length === 0) return "no pods";
  return pods.map(describePod).join("; ");
}

function describePod(pod: V1Pod): string {
  const parts = [pod.metadata?.name ?? "(unnamed)", pod.status?.phase ?? "Unknown"];
  const reason = containerReason(pod);
  if (reason) parts.push(reason);
  parts.push(isPodReady(pod) ? "ready" : "not ready");
  if (pod.metadata?.deletionTimestamp) parts.push("terminating");
  return parts.join(" ");
}

/** The first container's waiting or terminated reason, e.g. `CrashLoopBackOff`. */
function containerReason(pod: V1Pod): string | undefined {
  for (const status of pod.status?.containerStatuses ?? []) {
    const reason = status.state?.waiting?.reason ?? status.state?.terminated?.reason;
    if (reason) return reason;
  }
  return undefined;
}
