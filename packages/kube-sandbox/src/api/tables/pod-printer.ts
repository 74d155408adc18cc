import type { KubeObject } from "../object-store.js";
import { ageOf } from "./format-age.js";
import { AGE_COLUMN, ageCell, column, field, list, NAME_COLUMN, type TablePrinter } from "./table-printer.js";

interface ContainerState {
  waiting?: { reason?: string };
  running?: { startedAt?: string };
  terminated?: { reason?: string; exitCode?: number; signal?: number; finishedAt?: string };
}

interface ContainerStatus {
  name: string;
  ready?: boolean;
  restartCount?: number;
  state?: ContainerState;
  lastState?: ContainerState;
}

/** `kubectl get pods`: Name, Ready, Status, Restarts, Age (+ IP, Node with `-o wide`). */
export const podPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column("Ready", "The aggregate readiness state of this pod for accepting traffic."),
    column("Status", "The aggregate status of the containers in this pod."),
    column(
      "Restarts",
      "The number of times the containers in this pod have been restarted " +
        "and when the last container in this pod has restarted.",
    ),
    AGE_COLUMN,
    column("IP", "IP address allocated to the pod.", { priority: 1 }),
    column("Node", "Name of the node the pod is assigned to.", { priority: 1 }),
    column("Nominated Node", "Name of the node where the pod is nominated to run.", { priority: 1 }),
    column("Readiness Gates", "Readiness gates of the pod.", { priority: 1 }),
  ],
  cells(pod, now) {
    const containers = list<unknown>(pod, "spec", "containers");
    const statuses = list<ContainerStatus>(pod, "status", "containerStatuses");
    const initStatuses = list<ContainerStatus>(pod, "status", "initContainerStatuses");
    const ready = statuses.filter((s) => s.ready && s.state?.running).length;
    return [
      pod.metadata.name,
      `${ready}/${containers.length}`,
      podStatus(pod),
      podRestarts([...initStatuses, ...statuses], now),
      ageCell(pod, now),
      field<string>(pod, "status", "podIP") || "<none>",
      field<string>(pod, "spec", "nodeName") || "<none>",
      field<string>(pod, "status", "nominatedNodeName") || "<none>",
      "<none>",
    ];
  },
};

/**
 * The Status column: the reason a container is waiting or terminated (CrashLoopBackOff, Error,
 * Completed), else the phase; init containers still working show `Init:...`; `Terminating` once a
 * deletion is under way.
 */
function podStatus(pod: KubeObject): string {
  let reason = field<string>(pod, "status", "reason") || field<string>(pod, "status", "phase") || "Unknown";
  const initStatuses = list<ContainerStatus>(pod, "status", "initContainerStatuses");
  const initCount = list<unknown>(pod, "spec", "initContainers").length;
  let initializing = false;
  initStatuses.forEach((s, i) => {
    if (initializing) return;
    const terminated = s.state?.terminated;
    const waitingReason = s.state?.waiting?.reason;
    if (terminated && terminated.exitCode === 0) return;
    initializing = true;
    if (terminated) reason = `Init:${terminated.reason || terminatedCode(terminated)}`;
    else if (waitingReason && waitingReason !== "PodInitializing") reason = `Init:${waitingReason}`;
    else reason = `Init:${i}/${initCount}`;
  });

  if (!initializing) {
    let running = false;
    const statuses = list<ContainerStatus>(pod, "status", "containerStatuses");
    // The first container with something to say wins, as kubectl reads them from the last.
    for (const s of [...statuses].reverse()) {
      const terminated = s.state?.terminated;
      if (s.state?.waiting?.reason) reason = s.state.waiting.reason;
      else if (terminated) reason = terminated.reason || terminatedCode(terminated);
      else if (s.ready && s.state?.running) running = true;
    }
    if (reason === "Completed" && running) reason = "Running";
  }
  if (pod.metadata.deletionTimestamp) reason = "Terminating";
  return reason;
}

/** Restart count over all containers and init containers, with the time of the last restart (`3 (5s ago)`). */
function podRestarts(statuses: ContainerStatus[], now: number): string {
  let restarts = 0;
  let lastFinished = 0;
  for (const s of statuses) {
    restarts += s.restartCount ?? 0;
    const finishedAt = Date.parse(s.lastState?.terminated?.finishedAt ?? "");
    if (!Number.isNaN(finishedAt) && finishedAt > lastFinished) lastFinished = finishedAt;
  }
  if (restarts === 0 || lastFinished === 0) return String(restarts);
  return `${restarts} (${ageOf(new Date(lastFinished).toISOString(), now)} ago)`;
}

function terminatedCode(t: { exitCode?: number; signal?: number }): string {
  return t.signal ? `Signal:${t.signal}` : `ExitCode:${t.exitCode ?? 0}`;
}
