import type { V1Pod } from "@kubernetes/client-node";

/** Pods as `kubectl get pods` shows them: NAME, READY, STATUS, RESTARTS. */
export function podTable(pods: V1Pod[]): string {
  const rows = pods
    .map((pod) => {
      const containers = pod.status?.containerStatuses ?? [];
      const ready = `${containers.filter((c) => c.ready).length}/${pod.spec?.containers.length ?? containers.length}`;
      const reason = containers.map((c) => c.state?.waiting?.reason ?? c.state?.terminated?.reason).find(Boolean);
      const status = pod.metadata?.deletionTimestamp ? "Terminating" : (reason ?? pod.status?.phase ?? "Unknown");
      const restarts = String(containers.reduce((sum, c) => sum + c.restartCount, 0));
      return [pod.metadata?.name ?? "", ready, status, restarts];
    })
    .sort((a, b) => a[0]!.localeCompare(b[0]!));
  const table = [["NAME", "READY", "STATUS", "RESTARTS"], ...rows];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)) + 3);
  return table
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join("")
        .trimEnd(),
    )
    .join("\n");
}
