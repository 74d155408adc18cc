import type { KubeObject } from "../api/object-store.js";
import type { LabelSelectorSpec } from "../api/label-selector.js";

// The fields of apps/v1 and core/v1 objects the controllers and metrics read, all optional as the
// API allows; unknown fields are carried along untouched.

/** `spec.template` of a Deployment or ReplicaSet: what every pod of it starts from. */
export interface PodTemplate {
  /** Labels and annotations every pod gets. */
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; [field: string]: unknown };
  /** The pod spec, copied as it is. */
  spec?: Record<string, unknown>;
}

/** An integer or a percentage string such as `25%`. */
export type IntOrPercent = number | string;

interface DeploymentSpec {
  /** Pods wanted; default 1. */
  replicas?: number;
  /** Which pods belong to the Deployment. */
  selector?: LabelSelectorSpec;
  template?: PodTemplate;
  /** `Recreate` stops every old pod before new ones start; `RollingUpdate` (default) overlaps them. */
  strategy?: {
    type?: "RollingUpdate" | "Recreate";
    /** Limits of the overlap; each defaults to 25%. */
    rollingUpdate?: { maxSurge?: IntOrPercent; maxUnavailable?: IntOrPercent };
  };
  /** Seconds a pod must stay ready before it counts as available; default 0. */
  minReadySeconds?: number;
  /** Old ReplicaSets kept for rollbacks; default 10. */
  revisionHistoryLimit?: number;
  /** Seconds without progress before Progressing turns False; default 600. */
  progressDeadlineSeconds?: number;
  /** Not acted on by the sandbox. */
  paused?: boolean;
}

export interface DeploymentCondition {
  /** `Available` or `Progressing`. */
  type: string;
  status: "True" | "False" | "Unknown";
  /** When the condition was last written with news (progress moves it). */
  lastUpdateTime: string;
  /** When `status` last changed. */
  lastTransitionTime: string;
  reason: string;
  message: string;
}

/** Counts are left out when zero, as the API serves them. */
export interface DeploymentStatus {
  /** The `metadata.generation` this status describes. */
  observedGeneration?: number;
  /** Active pods of all the Deployment's ReplicaSets. */
  replicas?: number;
  /** Active pods running the current template. */
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  /** Pods wanted by the ReplicaSets that are not available. */
  unavailableReplicas?: number;
  /** Moves the pod-template-hash when a ReplicaSet name is already taken. */
  collisionCount?: number;
  conditions?: DeploymentCondition[];
}

interface ReplicaSetSpec {
  /** Pods wanted; default 1. */
  replicas?: number;
  selector?: LabelSelectorSpec;
  template?: PodTemplate;
  /** Seconds a pod must stay ready before it counts as available; default 0. */
  minReadySeconds?: number;
}

export interface ReplicaSetStatus {
  /** Active pods (not stopping, not finished); always present. */
  replicas: number;
  /** Active pods carrying every template label. */
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  /** The `metadata.generation` this status describes. */
  observedGeneration?: number;
}

interface PodCondition {
  /** `PodScheduled`, `Initialized`, `ContainersReady` or `Ready`. */
  type: string;
  status: "True" | "False" | "Unknown";
  /** When `status` last changed; `minReadySeconds` counts from the Ready one. */
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** Exactly one of the three is set. */
interface ContainerState {
  /** Not running yet or backing off, e.g. reason `CrashLoopBackOff`. */
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  /** Exited, e.g. reason `Error` or `Completed`. */
  terminated?: { exitCode?: number; reason?: string; message?: string; startedAt?: string; finishedAt?: string };
}

export interface ContainerStatus {
  name: string;
  /** Whether the readiness check passes. */
  ready?: boolean;
  started?: boolean;
  restartCount?: number;
  image?: string;
  imageID?: string;
  containerID?: string;
  state?: ContainerState;
  /** The state before the last restart. */
  lastState?: ContainerState;
}

interface PodStatus {
  /** `Pending`, `Running`, `Succeeded`, `Failed` or `Unknown`. */
  phase?: string;
  conditions?: PodCondition[];
  containerStatuses?: ContainerStatus[];
  initContainerStatuses?: ContainerStatus[];
  hostIP?: string;
  podIP?: string;
  startTime?: string;
}

interface ContainerSpec {
  name: string;
  image?: string;
  [field: string]: unknown;
}

interface PodSpec {
  /** The node that runs the pod; set by the kubelet in the sandbox. */
  nodeName?: string;
  containers?: ContainerSpec[];
  initContainers?: ContainerSpec[];
  /** Seconds the containers get to stop on deletion; default 30. */
  terminationGracePeriodSeconds?: number;
  priorityClassName?: string;
  hostNetwork?: boolean;
  [field: string]: unknown;
}

export type Deployment = KubeObject & { spec?: DeploymentSpec; status?: DeploymentStatus };
export type ReplicaSet = KubeObject & { spec?: ReplicaSetSpec; status?: ReplicaSetStatus };
export type Pod = KubeObject & { spec?: PodSpec; status?: PodStatus };
