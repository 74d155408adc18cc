import type { V1Deployment, V1Pod, V1StatefulSet } from "@kubernetes/client-node";

/** The object a Kubernetes Event is recorded on. */
export interface EventTarget {
  kind: string;
  apiVersion: string;
  namespace: string;
  name: string;
  uid?: string;
}

/** A Kubernetes Event as the responder records it. */
export interface RecordedEvent {
  type: "Normal" | "Warning";
  /** CamelCase reason, e.g. `MemberRemoved`. */
  reason: string;
  message: string;
}

/** Options of a container log read. */
export interface PodLogRequest {
  container?: string;
  /** The previous, terminated run of the container (what crashed). */
  previous?: boolean;
  /** Only the last N lines. */
  tailLines?: number;
}

/** A Lease held by the responder. */
export interface HeldLease {
  namespace: string;
  name: string;
  holder: string;
  /** Lease duration in seconds: the Lease expires this long after its last renewal. */
  durationSeconds: number;
}

/**
 * Everything the recovery asks of Kubernetes. Implemented over @kubernetes/client-node; the recovery
 * depends on this interface only. "Not found" is an ordinary answer (undefined), not an error.
 */
export interface KubernetesGateway {
  /** The Deployment, or undefined when there is none. */
  readDeployment(namespace: string, name: string): Promise<V1Deployment | undefined>;
  /** The StatefulSet, or undefined when there is none (members run by StatefulSets are refused). */
  readStatefulSet(namespace: string, name: string): Promise<V1StatefulSet | undefined>;
  /** Sets `spec.replicas` through the scale subresource (merge patch); user customisations stay untouched. */
  scaleDeployment(namespace: string, name: string, replicas: number): Promise<void>;
  /**
   * Reads the Deployment, applies `change` and writes it back with its resourceVersion; on a 409 Conflict
   * it reads again and re-applies `change`. Resolves with the stored Deployment.
   */
  updateDeployment(namespace: string, name: string, change: (deployment: V1Deployment) => void): Promise<V1Deployment>;
  /** Pods matching a label selector, with the list's resourceVersion. */
  listPods(namespace: string, labelSelector: string): Promise<{ pods: V1Pod[]; resourceVersion: string }>;
  /**
   * Lists the Pods matching `labelSelector`, then watches them, calling `check` with the current set
   * after the list and after every change, until it returns something other than undefined.
   * A 410 Gone relists. Rejects with a DeadlineExceededError naming `what` after `timeoutMs`.
   */
  waitForPods<T>(
    namespace: string,
    labelSelector: string,
    check: (pods: V1Pod[]) => T | undefined,
    what: string,
    timeoutMs: number,
  ): Promise<T>;
  /** The container's log text; empty when there is none (e.g. no previous run). */
  readPodLog(namespace: string, pod: string, request: PodLogRequest): Promise<string>;
  /**
   * Takes the Lease `name` for `holder`, creating it if missing, or taking it over when its holder let it
   * expire. Rejects with a retryable LeaseHeldError naming the current holder when someone else holds it.
   */
  acquireLease(namespace: string, name: string, holder: string, durationSeconds: number): Promise<HeldLease>;
  /** Renews a held Lease; rejects with LeaseLostError when another holder has it now. */
  renewLease(lease: HeldLease): Promise<void>;
  /** Gives the Lease up (empties its holder) if still held by `lease.holder`; never throws for a missing Lease. */
  releaseLease(lease: HeldLease): Promise<void>;
  /** Records a core/v1 Event on `target`; failures are logged, never thrown (events are best effort). */
  recordEvent(target: EventTarget, event: RecordedEvent): Promise<void>;
}
