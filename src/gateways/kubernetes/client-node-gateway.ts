import type {
  KubeConfig,
  V1Deployment,
  V1ObjectMeta,
  V1PersistentVolumeClaim,
  V1Pod,
  V1StatefulSet,
  CoreV1Event,
} from "@kubernetes/client-node";
import type { ApiCalls } from "./api-calls.js";
import type { Logger } from "../../core/logger.js";
import { KubernetesApiError, statusCodeOf, toKubernetesApiError } from "./errors.js";
import type {
  AccessAttributes,
  AccessDecision,
  EventTarget,
  HeldLease,
  KubernetesGateway,
  PodLogRequest,
  RecordedEvent,
} from "./kubernetes-gateway.js";
import { acquireLease, releaseLease, renewLease, type LeaseContext } from "./leases.js";
import { clientNodePodSource, listPods, waitForPodSet } from "./pods.js";
import { waitForClaimGone } from "./claims.js";
import { retryTransient, type TransientRetryPolicy } from "./transient-retries.js";

/** What the gateway is built from; `createKubernetesGateway` fills it in. */
export interface ClientNodeGatewayParts extends ApiCalls {
  kubeConfig: KubeConfig;
  logger: Logger;
  /** `source.component` of recorded Events. */
  component: string;
  /** Rounds of read, change, replace before an update gives up on conflicts. */
  updateAttempts: number;
  /** How a call that failed transiently (no answer, 429, 5xx) is sent again. */
  retries: TransientRetryPolicy;
  /** The clock, ms since the epoch. */
  now: () => number;
  /** Resolves after `ms`: the pause before a call is sent again. */
  sleep: (ms: number) => Promise<void>;
}

/** The Kubernetes gateway over @kubernetes/client-node. */
export class ClientNodeGateway implements KubernetesGateway {
  private readonly leases: LeaseContext;

  constructor(private readonly parts: ClientNodeGatewayParts) {
    this.leases = {
      api: parts.coordination,
      logger: parts.logger,
      now: parts.now,
      transient: (call) => this.transient(call),
    };
  }

  async readDeployment(namespace: string, name: string): Promise<V1Deployment | undefined> {
    return this.readOrUndefined(`Deployment ${namespace}/${name}`, () =>
      this.parts.apps.readNamespacedDeployment({ namespace, name }),
    );
  }

  async readStatefulSet(namespace: string, name: string): Promise<V1StatefulSet | undefined> {
    return this.readOrUndefined(`StatefulSet ${namespace}/${name}`, () =>
      this.parts.apps.readNamespacedStatefulSet({ namespace, name }),
    );
  }

  async scaleDeployment(namespace: string, name: string, replicas: number): Promise<void> {
    // The same merge patch twice sets the same replicas: sending it again is safe.
    await this.transient(async () => {
      try {
        await this.parts.apps.mergePatchNamespacedDeploymentScale({ namespace, name, body: { spec: { replicas } } });
      } catch (error) {
        throw toKubernetesApiError("scale", `Deployment ${namespace}/${name}`, error);
      }
    });
    this.parts.logger.info({ deployment: `${namespace}/${name}`, replicas }, "deployment scaled");
  }

  updateDeployment(namespace: string, name: string, change: (deployment: V1Deployment) => void): Promise<V1Deployment> {
    return this.readChangeReplace(`Deployment ${namespace}/${name}`, change, {
      read: () => this.parts.apps.readNamespacedDeployment({ namespace, name }),
      replace: (body) => this.parts.apps.replaceNamespacedDeployment({ namespace, name, body }),
    });
  }

  updateStatefulSet(
    namespace: string,
    name: string,
    change: (statefulSet: V1StatefulSet) => void,
  ): Promise<V1StatefulSet> {
    return this.readChangeReplace(`StatefulSet ${namespace}/${name}`, change, {
      read: () => this.parts.apps.readNamespacedStatefulSet({ namespace, name }),
      replace: (body) => this.parts.apps.replaceNamespacedStatefulSet({ namespace, name, body }),
    });
  }

  async deletePod(namespace: string, name: string, uid: string): Promise<boolean> {
    return this.deleteIfSame(`Pod ${namespace}/${name}`, () =>
      this.parts.core.deleteNamespacedPod({ namespace, name, body: { preconditions: { uid } } }),
    );
  }

  readPersistentVolumeClaim(namespace: string, name: string): Promise<V1PersistentVolumeClaim | undefined> {
    return this.readOrUndefined(`PersistentVolumeClaim ${namespace}/${name}`, () =>
      this.parts.core.readNamespacedPersistentVolumeClaim({ namespace, name }),
    );
  }

  async deletePersistentVolumeClaim(namespace: string, name: string, uid: string): Promise<boolean> {
    return this.deleteIfSame(`PersistentVolumeClaim ${namespace}/${name}`, () =>
      this.parts.core.deleteNamespacedPersistentVolumeClaim({ namespace, name, body: { preconditions: { uid } } }),
    );
  }

  async createPersistentVolumeClaim(namespace: string, claim: V1PersistentVolumeClaim): Promise<boolean> {
    const object = `PersistentVolumeClaim ${namespace}/${claim.metadata?.name ?? ""}`;
    try {
      await this.parts.core.createNamespacedPersistentVolumeClaim({ namespace, body: claim });
    } catch (error) {
      if (statusCodeOf(error) === 409) return false;
      throw toKubernetesApiError("create", object, error);
    }
    this.parts.logger.info({ object }, "created");
    return true;
  }

  waitForClaimGone(namespace: string, name: string, uid: string, timeoutMs: number): Promise<void> {
    return waitForClaimGone(this.parts.kubeConfig, this.parts.core, { namespace, name, uid, timeoutMs });
  }

  listPods(namespace: string, labelSelector: string): Promise<{ pods: V1Pod[]; resourceVersion: string }> {
    return this.transient(() => listPods(this.parts.core, namespace, labelSelector));
  }

  waitForPods<T>(
    namespace: string,
    labelSelector: string,
    check: (pods: V1Pod[]) => T | undefined,
    what: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<T> {
    const source = clientNodePodSource(this.parts.kubeConfig, this.parts.core, namespace, labelSelector);
    return waitForPodSet(source, { check, what, timeoutMs, logger: this.parts.logger, ...(signal ? { signal } : {}) });
  }

  readPodLog(namespace: string, pod: string, request: PodLogRequest): Promise<string> {
    return this.transient(async () => {
      try {
        return await this.parts.core.readNamespacedPodLog({ namespace, name: pod, ...request });
      } catch (error) {
        // 400: no such container run (e.g. no previous one yet); 404: no such Pod. Either way there is no log.
        const code = statusCodeOf(error);
        if (code === 400 || code === 404) return "";
        throw toKubernetesApiError("read log of", `Pod ${namespace}/${pod}`, error);
      }
    });
  }

  acquireLease(namespace: string, name: string, holder: string, durationSeconds: number): Promise<HeldLease> {
    return acquireLease(this.leases, namespace, name, holder, durationSeconds);
  }

  renewLease(lease: HeldLease): Promise<void> {
    return renewLease(this.leases, lease);
  }

  releaseLease(lease: HeldLease): Promise<void> {
    return releaseLease(this.leases, lease);
  }

  async recordEvent(target: EventTarget, event: RecordedEvent): Promise<void> {
    try {
      const nowMs = this.parts.now();
      const body = buildEvent(target, event, { component: this.parts.component, nowMs, nanos: epochNanos(nowMs) });
      await this.parts.core.createNamespacedEvent({ namespace: target.namespace, body });
    } catch (error) {
      const failure = toKubernetesApiError(
        "create Event on",
        `${target.kind} ${target.namespace}/${target.name}`,
        error,
      );
      this.parts.logger.warn({ err: failure, reason: event.reason }, "could not record event");
    }
  }

  async reviewAccess(access: AccessAttributes): Promise<AccessDecision> {
    const { verb, group, resource, subresource, namespace } = access;
    // A review changes nothing, so creating it again is safe.
    return this.transient(async () => {
      try {
        const review = await this.parts.authorization.createSelfSubjectAccessReview({
          body: {
            apiVersion: "authorization.k8s.io/v1",
            kind: "SelfSubjectAccessReview",
            spec: {
              resourceAttributes: { verb, group, resource, namespace, ...(subresource ? { subresource } : {}) },
            },
          },
        });
        return { allowed: review.status?.allowed === true, reason: review.status?.reason ?? "" };
      } catch (error) {
        const what = `${verb} ${resource}${subresource ? `/${subresource}` : ""}${group ? `.${group}` : ""}`;
        throw toKubernetesApiError("create", `SelfSubjectAccessReview (${what} in namespace ${namespace})`, error);
      }
    });
  }

  /**
   * Runs a call (which throws typed errors), sending it again after a pause while the API server fails
   * transiently, as `parts.retries` allows; each call site makes sure that sending it again is safe.
   */
  private transient<T>(call: () => Promise<T>): Promise<T> {
    return retryTransient(call, this.parts.retries, this.parts.sleep, (error, attempt, retryInMs) =>
      this.parts.logger.warn({ err: error, attempt, retryInMs }, "Kubernetes API call failed; sending it again"),
    );
  }

  /**
   * Reads an object, applies `change` and replaces it on condition of the resourceVersion read; on a 409 Conflict
   * reads again and re-applies `change`, up to `updateAttempts` rounds. A replace that failed transiently is sent
   * again as it was: should the first have been stored after all, the repeat meets a Conflict, and the next round
   * reads what was stored.
   */
  private async readChangeReplace<T extends { metadata?: V1ObjectMeta }>(
    object: string,
    change: (value: T) => void,
    api: { read: () => Promise<T>; replace: (body: T) => Promise<T> },
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const value = await this.transient(() => typed("read", object, api.read()));
      const resourceVersion = value.metadata?.resourceVersion;
      change(value);
      // The write must be conditional on what was read, whatever `change` did to the metadata.
      value.metadata = { ...value.metadata, resourceVersion };
      try {
        return await this.transient(() => typed("replace", object, api.replace(value)));
      } catch (error) {
        if (error instanceof KubernetesApiError && error.statusCode === 409 && attempt < this.parts.updateAttempts) {
          this.parts.logger.debug({ object, attempt }, "object changed meanwhile, reading it again");
          continue;
        }
        throw error;
      }
    }
  }

  /**
   * Deletes an object on condition of its UID. True when deleted (or already being deleted); false when it is gone
   * or another object of that name replaced it (404, 409): a delete never reaches an object nobody looked at.
   */
  private async deleteIfSame(object: string, remove: () => Promise<unknown>): Promise<boolean> {
    // Conditional on the UID: a repeat of a delete that took effect finds the object gone or being deleted.
    const deleted = await this.transient(async () => {
      try {
        await remove();
        return true;
      } catch (error) {
        const code = statusCodeOf(error);
        if (code === 404 || code === 409) return false;
        throw toKubernetesApiError("delete", object, error);
      }
    });
    if (deleted) this.parts.logger.info({ object }, "deleted");
    return deleted;
  }

  private readOrUndefined<T>(object: string, read: () => Promise<T>): Promise<T | undefined> {
    return this.transient(async () => {
      try {
        return await read();
      } catch (error) {
        if (statusCodeOf(error) === 404) return undefined;
        throw toKubernetesApiError("read", object, error);
      }
    });
  }
}

/** Resolves as `call` does, or rejects with its failure typed as a KubernetesApiError of `operation` on `object`. */
async function typed<T>(operation: string, object: string, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    throw toKubernetesApiError(operation, object, error);
  }
}

/** Everything a core/v1 Event needs besides what was observed. */
export interface EventContext {
  /** `source.component` and `reportingComponent`: who reports, shown by `kubectl describe` as "From". */
  component: string;
  /** When it happened, ms since the epoch. */
  nowMs: number;
  /** Nanoseconds since the epoch, for the Event's name. */
  nanos: bigint;
}

/** A core/v1 Event about `target`, seen once, as client-go's event recorder writes it. */
export function buildEvent(target: EventTarget, event: RecordedEvent, context: EventContext): CoreV1Event {
  const at = new Date(context.nowMs);
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: eventName(target.name, context.nanos), namespace: target.namespace },
    involvedObject: {
      kind: target.kind,
      apiVersion: target.apiVersion,
      namespace: target.namespace,
      name: target.name,
      ...(target.uid ? { uid: target.uid } : {}),
    },
    type: event.type,
    reason: event.reason,
    message: event.message,
    source: { component: context.component },
    reportingComponent: context.component,
    firstTimestamp: at,
    lastTimestamp: at,
    count: 1,
  };
}

/**
 * Name of a core/v1 Event, as client-go's recorder makes it: `<object name>.<nanoseconds in hex>`.
 * Two Events on one object need different names, hence the nanosecond part.
 */
export function eventName(objectName: string, nanos: bigint): string {
  return `${objectName}.${nanos.toString(16)}`;
}

/**
 * Nanoseconds since the epoch: the wall clock's milliseconds, with the sub-millisecond part taken from the
 * monotonic clock so that Events recorded within one millisecond still get different names.
 */
export function epochNanos(nowMs: number = Date.now(), monotonicNanos: bigint = process.hrtime.bigint()): bigint {
  return BigInt(Math.trunc(nowMs)) * 1_000_000n + (monotonicNanos % 1_000_000n);
}
