import { isPodReady, timeMillis } from "../gateways/kubernetes/pods.js";
import type { V1Pod } from "@kubernetes/client-node";
import type { ResolvedMember } from "../core/config/types.js";
import type { KubernetesGateway } from "../gateways/kubernetes/kubernetes-gateway.js";
import { memberPodSelector, readWorkload, type WorkloadObject } from "./member-workload.js";

/** The parts of a container spec the recovery reads and rewrites. */
export interface ContainerSpec {
  name: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  volumeMounts?: { mountPath: string }[];
}

/**
 * The container running etcd: the one that sets `--initial-cluster` (flag or env), else the one named
 * `etcd`, else one whose command mentions etcd, else the first. Undefined for an empty list.
 */
export function findEtcdContainer<T extends ContainerSpec>(containers: readonly T[]): T | undefined {
  const words = (c: ContainerSpec) => [...(c.command ?? []), ...(c.args ?? [])];
  return (
    containers.find(
      (c) =>
        words(c).some((w) => /(^|\s)--?initial-cluster(=|\s|$)/.test(w)) ||
        c.env?.some((e) => e.name === "ETCD_INITIAL_CLUSTER"),
    ) ??
    containers.find((c) => c.name === "etcd") ??
    containers.find((c) => words(c).some((w) => /(^|[\s/])etcd(\s|$)/.test(w))) ??
    containers[0]
  );
}

/** The Pods of a member's workload, with the workload; none when the workload is missing. */
export async function podsOfMember(
  kubernetes: KubernetesGateway,
  namespace: string,
  member: ResolvedMember,
): Promise<{ workload?: WorkloadObject; selector?: string; pods: V1Pod[] }> {
  const workload = await readWorkload(kubernetes, namespace, member);
  if (!workload) return { pods: [] };
  const selector = memberPodSelector(member, workload);
  const { pods } = await kubernetes.listPods(namespace, selector);
  return { workload, selector, pods };
}

/** What the recovery needs to know about one Pod, as plain data. */
export interface PodFacts {
  /** Pod name. */
  name: string;
  /** `status.phase`, e.g. `Running`, `Pending`. */
  phase: string;
  /** The Ready condition is True. */
  ready: boolean;
  /** When the Ready condition last changed (ms), if known. */
  readyChangedAt?: number;
  /** The Pod is being deleted (Terminating). */
  deleting: boolean;
  /** Creation time (ms), if known. */
  createdAt?: number;
  /** Name of the container the facts below describe (the etcd container). */
  container?: string;
  /** That container's current state. */
  state: "running" | "waiting" | "terminated" | "unknown";
  /** Reason of a waiting or terminated state, e.g. `CrashLoopBackOff`, `ContainerCreating`, `Error`. */
  stateReason?: string;
  /** Exit code of the current (terminated) or, failing that, the last terminated run. */
  exitCode?: number;
  /** How often the container restarted. */
  restartCount: number;
  /**
   * The container keeps crashing: waiting in CrashLoopBackOff, terminated non-zero after a restart, or
   * running again after a non-zero exit without having become Ready.
   */
  crashLooping: boolean;
}

/** Facts about `pod`, describing the container named `container` (default: the first status). */
export function podFacts(pod: V1Pod, container?: string): PodFacts {
  const statuses = pod.status?.containerStatuses ?? [];
  const status = (container === undefined ? undefined : statuses.find((s) => s.name === container)) ?? statuses[0];
  const readyCondition = pod.status?.conditions?.find((c) => c.type === "Ready");
  const ready = readyCondition?.status === "True";
  const state = status?.state;
  const last = status?.lastState?.terminated;
  const restartCount = status?.restartCount ?? 0;
  const kind = state?.running ? "running" : state?.waiting ? "waiting" : state?.terminated ? "terminated" : "unknown";
  const stateReason = state?.waiting?.reason ?? state?.terminated?.reason;
  const exitCode = state?.terminated?.exitCode ?? last?.exitCode;
  const crashedBefore = restartCount > 0 && last !== undefined && last.exitCode !== 0;
  const crashLooping =
    stateReason === "CrashLoopBackOff" ||
    (kind === "terminated" && restartCount > 0 && (state?.terminated?.exitCode ?? 0) !== 0) ||
    (kind === "waiting" && crashedBefore) ||
    (kind === "running" && crashedBefore && !ready);
  const facts: PodFacts = {
    name: pod.metadata?.name ?? "(unnamed)",
    phase: pod.status?.phase ?? "Unknown",
    ready,
    deleting: Boolean(pod.metadata?.deletionTimestamp),
    state: kind,
    restartCount,
    crashLooping,
  };
  const readyChangedAt = timeMillis(readyCondition?.lastTransitionTime);
  if (readyChangedAt !== undefined) facts.readyChangedAt = readyChangedAt;
  const createdAt = timeMillis(pod.metadata?.creationTimestamp);
  if (createdAt !== undefined) facts.createdAt = createdAt;
  if (status?.name !== undefined) facts.container = status.name;
  if (stateReason !== undefined) facts.stateReason = stateReason;
  if (exitCode !== undefined) facts.exitCode = exitCode;
  return facts;
}

/**
 * The Pod that stands for the member when a Deployment has several (a Terminating one next to its
 * replacement): the newest that is not being deleted, else the newest.
 */
export function currentPod(pods: readonly V1Pod[]): V1Pod | undefined {
  const newestFirst = [...pods].sort(
    (a, b) => (timeMillis(b.metadata?.creationTimestamp) ?? 0) - (timeMillis(a.metadata?.creationTimestamp) ?? 0),
  );
  return newestFirst.find((p) => !p.metadata?.deletionTimestamp) ?? newestFirst[0];
}

/** A member's Pod as the dead-member decision sees it. */
export type PodPresence =
  { kind: "gone" } | { kind: "ready"; pod: string } | { kind: "not-ready"; pod: string; since?: number };

/** Whether a member has a Pod, and whether it is Ready: any Ready Pod counts, else the current one. */
export function podPresence(pods: readonly V1Pod[]): PodPresence {
  const readyPod = pods.find(isPodReady);
  if (readyPod) return { kind: "ready", pod: readyPod.metadata?.name ?? "(unnamed)" };
  const pod = currentPod(pods);
  if (!pod) return { kind: "gone" };
  const facts = podFacts(pod);
  // A Pod that never was Ready has been not-Ready since it was created.
  const since = facts.readyChangedAt ?? facts.createdAt;
  return since === undefined ? { kind: "not-ready", pod: facts.name } : { kind: "not-ready", pod: facts.name, since };
}

/**
 * The member's Pod that waits for a claim already gone, if any: made (by an older StatefulSet controller, or before
 * the claim was marked for deletion) while the old claim still existed, not the Pod just replaced, and Pending with
 * no container ever started. Such a Pod waits for that claim forever (kubernetes#74374).
 */
export function podWaitingForOldClaim(pods: readonly V1Pod[], replacedUid: string | undefined): V1Pod | undefined {
  const pod = currentPod(pods.filter((p) => p.metadata?.uid !== replacedUid && !p.metadata?.deletionTimestamp));
  if (!pod?.metadata?.uid || pod.status?.phase !== "Pending") return undefined;
  const started = (pod.status.containerStatuses ?? []).some((s) => s.state?.running || s.state?.terminated);
  return started ? undefined : pod;
}
