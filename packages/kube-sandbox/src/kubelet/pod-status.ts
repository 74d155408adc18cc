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
  const wanted: { type: string; ok: boolean; reason?: string; message?: string }[] = [
    { type: "PodScheduled", ok: true },
    { type: "Initialized", ok: true },
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
    qosClass: "BestEffort",
  };
}

/** The kubelet's phase rules (`getPhase`), for a Pod without init containers. */
export function podPhase(
  input: Pick<PodStatusInput, "containers" | "specContainers" | "restartPolicy" | "terminal">,
): PodPhase {
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
  if (waiting > 0) return "Pending";
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
