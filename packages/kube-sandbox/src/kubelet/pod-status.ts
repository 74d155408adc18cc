import type { RestartPolicy } from "./pod-spec.js";

export interface TerminatedState {
  exitCode: number;
  reason: string;
  message?: string;
  startedAt: string;
  finishedAt: string;
  containerID?: string;
}

/** `v1.ContainerState`: exactly one of the three, or none for an empty `lastState`. */
export interface ContainerState {
  waiting?: { reason: string; message?: string };
  running?: { startedAt: string };
  terminated?: TerminatedState;
}

/** `v1.ContainerStatus`. */
export interface ContainerStatus {
  name: string;
  state: ContainerState;
  lastState: ContainerState;
  ready: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID?: string;
  started: boolean;
}

/** `v1.PodCondition`. */
export interface PodCondition {
  type: string;
  status: "True" | "False";
  lastProbeTime: null;
  lastTransitionTime: string;
  reason?: string;
  message?: string;
}

export type PodPhase = "Pending" | "Running" | "Succeeded" | "Failed";

export interface PodStatusInput {
  containers: readonly ContainerStatus[];
  /** Names of the Pod's containers in spec order (a container without a status counts as unknown). */
  specContainers: readonly string[];
  /** The statuses of the Pod's init containers, in spec order; empty when it has none. */
  initContainers: readonly ContainerStatus[];
  restartPolicy: RestartPolicy;
  podIP: string;
  hostIP: string;
  startTime: string;
  /** The Pod is being deleted: its containers will not start again, whatever the policy. */
  terminal: boolean;
  /** The conditions the Pod has now, whose transition times stay when their status does not change. */
  previousConditions: readonly PodCondition[] | undefined;
  /** RFC 3339 time of this status. */
  now: string;
}

/** The parts of `v1.PodStatus` the kubelet owns. */
export interface PodStatus {
  phase: PodPhase;
  conditions: PodCondition[];
  hostIP: string;
  hostIPs: { ip: string }[];
  podIP: string;
  podIPs: { ip: string }[];
  startTime: string;
  containerStatuses: ContainerStatus[];
  /** Present when the Pod has init containers. */
  initContainerStatuses?: ContainerStatus[];
  qosClass: string;
}

/** The condition types the kubelet sets; others on the Pod belong to someone else. */
export const KUBELET_CONDITIONS = ["PodScheduled", "Initialized", "ContainersReady", "Ready"] as const;

/** The Pod's status from its containers' statuses, following the kubelet's rules. */
export function buildPodStatus(input: PodStatusInput): PodStatus {
  const phase = podPhase(input);
  const unready = input.specContainers.filter((name) => !input.containers.find((c) => c.name === name)?.ready);
  const completed = phase === "Succeeded" || phase === "Failed";
  const containersReady = unready.length === 0 && !completed;
  const notReady = completed
    ? { reason: "PodCompleted" }
    : { reason: "ContainersNotReady", message: `containers with unready status: [${unready.join(" ")}]` };
  const incomplete = input.initContainers.filter((c) => !succeeded(c)).map((c) => c.name);
  const initialized = incomplete.length === 0;
  const notInitialized = {
    reason: "ContainersNotInitialized",
    message: `containers with incomplete status: [${incomplete.join(" ")}]`,
  };
  const wanted: { type: string; ok: boolean; reason?: string; message?: string }[] = [
    { type: "PodScheduled", ok: true },
    { type: "Initialized", ok: initialized, ...(initialized ? {} : notInitialized) },
    { type: "ContainersReady", ok: containersReady, ...(containersReady ? {} : notReady) },
    { type: "Ready", ok: containersReady, ...(containersReady ? {} : notReady) },
  ];
  const conditions = wanted.map((c): PodCondition => {
    const status = c.ok ? "True" : "False";
    const before = input.previousConditions?.find((p) => p.type === c.type);
    const condition: PodCondition = {
      type: c.type,
      status,
      lastProbeTime: null,
      lastTransitionTime: before && before.status === status ? before.lastTransitionTime : input.now,
    };
    if (c.reason) condition.reason = c.reason;
    if (c.message) condition.message = c.message;
    return condition;
  });
  return {
    phase,
    conditions,
    hostIP: input.hostIP,
    hostIPs: [{ ip: input.hostIP }],
    podIP: input.podIP,
    podIPs: [{ ip: input.podIP }],
    startTime: input.startTime,
    containerStatuses: input.containers.map((c) => structuredClone(c)),
    ...(input.initContainers.length > 0
      ? { initContainerStatuses: input.initContainers.map((c) => structuredClone(c)) }
      : {}),
    qosClass: "BestEffort",
  };
}

/** Whether a container ran to success and is done (an init container that completed). */
function succeeded(status: ContainerStatus): boolean {
  return status.state.terminated?.exitCode === 0;
}

/**
 * How the Pod's init containers stand: `pending` while one has not yet succeeded (not started, running,
 * or waiting to start), `failed` when one ended in failure (terminated, or waiting to restart after a failure).
 */
function initProgress(initContainers: readonly ContainerStatus[]): { pending: boolean; failed: boolean } {
  let pending = false;
  let failed = false;
  for (const status of initContainers) {
    const terminated = status.state.terminated;
    const last = status.lastState.terminated;
    if (terminated) failed ||= terminated.exitCode !== 0;
    else if (status.state.waiting && last) failed ||= last.exitCode !== 0;
    else pending = true;
  }
  return { pending, failed };
}

/** The kubelet's phase rules (`getPhase`); init containers that restart forever (sidecars) are not emulated. */
export function podPhase(
  input: Pick<PodStatusInput, "containers" | "specContainers" | "initContainers" | "restartPolicy" | "terminal">,
): PodPhase {
  const init = initProgress(input.initContainers);
  if (init.failed && input.restartPolicy === "Never") return "Failed";
  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const name of input.specContainers) {
    const status = input.containers.find((c) => c.name === name);
    if (!status) unknown += 1;
    else if (status.state.running) running += 1;
    else if (status.state.terminated) {
      stopped += 1;
      if (status.state.terminated.exitCode === 0) succeeded += 1;
    } else if (status.state.waiting) {
      if (status.lastState.terminated) stopped += 1;
      else waiting += 1;
    } else unknown += 1;
  }
  if (waiting > 0 || init.pending) return "Pending";
  if (running > 0 && unknown === 0) return "Running";
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (input.terminal) return stopped === succeeded ? "Succeeded" : "Failed";
    if (input.restartPolicy === "Always") return "Running";
    if (stopped === succeeded) return "Succeeded";
    if (input.restartPolicy === "Never") return "Failed";
    return "Running";
  }
  return "Pending";
}
