import type { V1Deployment, V1PersistentVolumeClaim, V1Pod, V1StatefulSet, KubeConfig } from "@kubernetes/client-node";
import { apiCalls } from "./api-calls.js";
import { systemClock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import { ClientNodeGateway } from "./client-node-gateway.js";
import { keepAliveConfiguration } from "./connections.js";
import { loadKubeConfig } from "./kube-config.js";
import { DEFAULT_TRANSIENT_RETRIES, type TransientRetryPolicy } from "./transient-retries.js";

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

/** One request the responder may or may not be allowed to make, as RBAC sees it. */
export interface AccessAttributes {
  verb: string;
  /** API group; `""` is the core group. */
  group: string;
  /** Resource plural, e.g. `deployments`. */
  resource: string;
  /** Subresource, e.g. `scale` or `log`; undefined for the resource itself. */
  subresource?: string;
  namespace: string;
}

/** The API server's answer to "may I?". */
export interface AccessDecision {
  allowed: boolean;
  /** Why, when the authorizer said (e.g. the RBAC binding that allowed it); empty otherwise. */
  reason: string;
}

/**
 * Everything the recovery asks of Kubernetes. Implemented over @kubernetes/client-node; the recovery
 * depends on this interface only. "Not found" is an ordinary answer (undefined), not an error. A call the API
 * server fails transiently (no answer, 429, 5xx) is sent again as `KubernetesGatewayOptions.retries` allows before
 * it rejects (Events excepted: they are best effort).
 */
export interface KubernetesGateway {
  /** The Deployment, or undefined when there is none. */
  readDeployment(namespace: string, name: string): Promise<V1Deployment | undefined>;
  /** The StatefulSet, or undefined when there is none. */
  readStatefulSet(namespace: string, name: string): Promise<V1StatefulSet | undefined>;
  /** As `updateDeployment`, for a StatefulSet: read, change, replace on condition, again on a 409 Conflict. */
  updateStatefulSet(
    namespace: string,
    name: string,
    change: (statefulSet: V1StatefulSet) => void,
  ): Promise<V1StatefulSet>;
  /**
   * Deletes the Pod if its UID is still `uid`; answers false when it is gone or was replaced (nothing deleted).
   */
  deletePod(namespace: string, name: string, uid: string): Promise<boolean>;
  /** The PersistentVolumeClaim, or undefined when there is none. */
  readPersistentVolumeClaim(namespace: string, name: string): Promise<V1PersistentVolumeClaim | undefined>;
  /**
   * Deletes the claim if its UID is still `uid`; answers false when it is gone or was replaced. A claim a Pod
   * still uses stays (Terminating) until that Pod is gone.
   */
  deletePersistentVolumeClaim(namespace: string, name: string, uid: string): Promise<boolean>;
  /**
   * Creates the claim `claim` describes; answers false, creating nothing, when a claim of its name exists already
   * (409 AlreadyExists).
   */
  createPersistentVolumeClaim(namespace: string, claim: V1PersistentVolumeClaim): Promise<boolean>;
  /**
   * Resolves once the claim with UID `uid` no longer exists (watching it); rejects with a DeadlineExceededError after
   * `timeoutMs`.
   */
  waitForClaimGone(namespace: string, name: string, uid: string, timeoutMs: number): Promise<void>;
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
   * A 410 Gone relists. Rejects with a DeadlineExceededError naming `what` after `timeoutMs`, and with
   * `signal.reason` once `signal` is aborted (the watch stops).
   */
  waitForPods<T>(
    namespace: string,
    labelSelector: string,
    check: (pods: V1Pod[]) => T | undefined,
    what: string,
    timeoutMs: number,
    signal?: AbortSignal,
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
  /**
   * Asks the API server whether the responder's own identity may make the request `access` describes (a
   * SelfSubjectAccessReview). Rejects with a KubernetesApiError when the review itself fails: an unanswered
   * question is never an answer.
   */
  reviewAccess(access: AccessAttributes): Promise<AccessDecision>;
}

/** How to reach Kubernetes. */
export interface KubernetesGatewayOptions {
  /**
   * Where the API server is and how to authenticate. Default: loaded from the usual places, in order
   * `KUBECONFIG`, `~/.kube/config`, then the in-cluster service account (a ConfigError when none works).
   */
  kubeConfig?: KubeConfig;
  /** The process logger; the gateway logs under the child `{ name: "kubernetes" }`. */
  logger: Logger;
  /** `source.component` and `reportingComponent` of the Events it records; default `etcd-responder`. */
  component?: string;
  /** Rounds of read, change, replace before an update gives up on 409 conflicts; default 5. */
  updateAttempts?: number;
  /**
   * How a call that failed transiently (no answer, 429, 5xx) is sent again; default `DEFAULT_TRANSIENT_RETRIES`,
   * six attempts over about 7.75 s of pauses.
   */
  retries?: TransientRetryPolicy;
}

/**
 * Creates the gateway the recovery uses to read and change Kubernetes objects;
 * throws a ConfigError for a bad kubeconfig.
 */
export function createKubernetesGateway(options: KubernetesGatewayOptions): KubernetesGateway {
  const updateAttempts = options.updateAttempts ?? 5;
  if (!Number.isInteger(updateAttempts) || updateAttempts < 1) {
    throw new RangeError(`updateAttempts must be a whole number of at least 1, got ${updateAttempts}`);
  }
  const retries = options.retries ?? DEFAULT_TRANSIENT_RETRIES;
  if (!Number.isInteger(retries.attempts) || retries.attempts < 1) {
    throw new RangeError(`retries.attempts must be a whole number of at least 1, got ${retries.attempts}`);
  }
  const kubeConfig = options.kubeConfig ?? loadKubeConfig();
  return new ClientNodeGateway({
    kubeConfig,
    ...apiCalls(keepAliveConfiguration(kubeConfig)),
    logger: options.logger.child({ name: "kubernetes" }),
    component: options.component ?? "etcd-responder",
    updateAttempts,
    retries,
    now: Date.now,
    sleep: (ms) => systemClock.sleep(ms),
  });
}

/** One RBAC rule: the verbs the responder uses on one resource (or subresource) of one API group. */
export interface RequiredPermission {
  /** API group; `""` is the core group. */
  apiGroup: string;
  /** Resource plural, with `/subresource` for subresources (`deployments/scale`, `pods/log`). */
  resource: string;
  /** Kubernetes verbs: get, list, watch, create, update, patch, delete. */
  verbs: string[];
  /** The member layouts whose recovery needs it; absent: every layout's. */
  layouts?: MemberLayout[];
}

/**
 * How a member runs, as far as the requests its recovery makes go: its own Deployment, a Deployment whose Pod mounts
 * a PersistentVolumeClaim, or one Pod of a StatefulSet.
 */
export type MemberLayout = "Deployment" | "DeploymentOnClaim" | "StatefulSet";

/**
 * Everything the Kubernetes gateway asks of the API server, in each namespace of a managed cluster; the Helm
 * chart's Role grants exactly this, and a test runs the gateway against the sandbox to keep the two honest.
 */
export const REQUIRED_PERMISSIONS: RequiredPermission[] = [
  // readDeployment, and updateDeployment's read-change-replace (the member's start flags, the recovery's mark).
  { apiGroup: "apps", resource: "deployments", verbs: ["get", "update"], layouts: ["Deployment", "DeploymentOnClaim"] },
  // scaleDeployment: a merge patch of the scale subresource stops and starts a member.
  { apiGroup: "apps", resource: "deployments/scale", verbs: ["patch"], layouts: ["Deployment", "DeploymentOnClaim"] },
  // readStatefulSet, and updateStatefulSet's read-change-replace (OnDelete for the recovery, the member's next
  // start, the mark; all put back once the member is healthy).
  { apiGroup: "apps", resource: "statefulsets", verbs: ["get", "update"], layouts: ["StatefulSet"] },
  // listPods and waitForPods (list, then watch from the list's resourceVersion).
  { apiGroup: "", resource: "pods", verbs: ["list", "watch"] },
  // deletePod: a StatefulSet member's Pod takes the changed template only when it is made again.
  { apiGroup: "", resource: "pods", verbs: ["delete"], layouts: ["StatefulSet"] },
  // readPodLog: the crashed run's log tells a wiped data dir from other failures.
  { apiGroup: "", resource: "pods/log", verbs: ["get"] },
  // readPersistentVolumeClaim, deletePersistentVolumeClaim, waitForClaimGone (list, then watch): a claim holding a
  // write-ahead log the cluster no longer knows is deleted, and the StatefulSet makes an empty one.
  {
    apiGroup: "",
    resource: "persistentvolumeclaims",
    verbs: ["get", "list", "watch", "delete"],
    layouts: ["StatefulSet", "DeploymentOnClaim"],
  },
  // createPersistentVolumeClaim: a Deployment makes no claims, so the recovery makes the emptied one again.
  { apiGroup: "", resource: "persistentvolumeclaims", verbs: ["create"], layouts: ["DeploymentOnClaim"] },
  // recordEvent: what the recovery did shows in `kubectl describe` and `kubectl get events`.
  { apiGroup: "", resource: "events", verbs: ["create"] },
  // acquireLease, renewLease, releaseLease: one recovery per cluster at a time, across processes.
  { apiGroup: "coordination.k8s.io", resource: "leases", verbs: ["get", "create", "update", "delete"] },
];

/** The permissions the recovery of a member of `layout` needs. */
export function permissionsFor(layout: MemberLayout): RequiredPermission[] {
  return REQUIRED_PERMISSIONS.filter((p) => !p.layouts || p.layouts.includes(layout));
}

/**
 * What the gateway also asks of the API server but needs no Role for: Kubernetes' bootstrap ClusterRole
 * `system:basic-user`, bound to `system:authenticated`, lets every user review its own access
 * (reviewAccess). Cluster-scoped, so a namespaced Role could not grant it anyway.
 */
export const GRANTED_TO_EVERY_USER: RequiredPermission[] = [
  { apiGroup: "authorization.k8s.io", resource: "selfsubjectaccessreviews", verbs: ["create"] },
];
