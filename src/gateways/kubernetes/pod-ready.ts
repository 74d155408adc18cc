import type { V1Pod } from "@kubernetes/client-node";

/** Whether the Pod's Ready condition is True: every container passes its readiness probe. */
export function isPodReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}
