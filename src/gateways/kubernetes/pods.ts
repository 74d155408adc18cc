import type { V1Pod, KubeConfig } from "@kubernetes/client-node";
import { Watch } from "@kubernetes/client-node/dist/watch.js";
import type { CoreCalls } from "./api-calls.js";
import { backoffDelay } from "../../core/clock.js";
import { DeadlineExceededError, messageOf, ResponderError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { ObjectSerializer } from "@kubernetes/client-node/dist/gen/models/ObjectSerializer.js";
import { toKubernetesApiError } from "./errors.js";

/**
 * One line about a set of Pods for a log or an error: name, phase, the reason a container waits or
 * ended (CrashLoopBackOff, Error), readiness, and whether it is being deleted.
 * `example-1-7d9f-x2k4q Running ready; example-2-5c8b-p9w2z Running CrashLoopBackOff not ready`.
 */
export function summarizePods(pods: readonly V1Pod[]): string {
  if (pods.length === 0) return "no pods";
  return pods.map(describePod).join("; ");
}

function describePod(pod: V1Pod): string {
  const parts = [pod.metadata?.name ?? "(unnamed)", pod.status?.phase ?? "Unknown"];
  const reason = containerReason(pod);
  if (reason) parts.push(reason);
  parts.push(isPodReady(pod) ? "ready" : "not ready");
  if (pod.metadata?.deletionTimestamp) parts.push("terminating");
  return parts.join(" ");
}

/** The first container's waiting or terminated reason, e.g. `CrashLoopBackOff`. */
function containerReason(pod: V1Pod): string | undefined {
  for (const status of pod.status?.containerStatuses ?? []) {
    const reason = status.state?.waiting?.reason ?? status.state?.terminated?.reason;
    if (reason) return reason;
  }
  return undefined;
}

/** Whether the Pod's Ready condition is True: every container passes its readiness probe. */
export function isPodReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

/** The Pods matching a selector, as one list answer gave them. */
export interface PodListing {
  pods: V1Pod[];
  /** The list's resourceVersion: a watch from it sees every later change. */
  resourceVersion: string;
}

/** One line of a Pod watch. */
export type PodWatchEvent =
  | { type: "ADDED" | "MODIFIED" | "DELETED"; pod: V1Pod }
  | { type: "BOOKMARK" }
  /** The server ended the watch with a Status; code 410 means the version is too old to resume from. */
  | { type: "ERROR"; code: number | undefined; message: string };

/** Where a wait gets its Pods from; one selector in one namespace. */
export interface PodSource {
  /** Lists the Pods; rejects with a ResponderError saying whether trying again can help. */
  list(): Promise<PodListing>;
  /**
   * Watches from `resourceVersion`. `onEvent` gets each line; `onEnd` is called once when the stream ends,
   * with the failure if it failed. Resolves with a function that stops the watch.
   */
  watch(
    resourceVersion: string,
    onEvent: (event: PodWatchEvent) => void,
    onEnd: (error?: unknown) => void,
  ): Promise<() => void>;
}

/** How a wait for Pods goes. */
export interface PodWaitOptions<T> {
  /**
   * Called with the current Pods, sorted by name, after every list and change;
   * a value other than undefined ends the wait.
   */
  check: (pods: V1Pod[]) => T | undefined;
  /** What the wait is for, named in the DeadlineExceededError. */
  what: string;
  /** Deadline of the whole wait, ms. */
  timeoutMs: number;
  logger: Logger;
  /** A listing already at hand: start watching from its resourceVersion instead of listing first. */
  startFrom?: PodListing;
  /** Pause before listing again after a failure, doubled per consecutive failure; default 250 ms. */
  retryDelayMs?: number;
  /** Upper bound of that pause; default 2000 ms. */
  maxRetryDelayMs?: number;
  /** Calls the wait off: it stops its watch and rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** The longest delay setTimeout keeps (about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * A watch that ends sooner than this after it started counts as a failure,
 * so a server that keeps closing is not hammered.
 */
const SHORT_WATCH_MS = 1000;

/**
 * Lists, then watches from the list's resourceVersion, keeping the Pods by name, until `check` returns a
 * value. A 410 (version too old) or a watch that ends lists again and watches anew; failures that trying
 * again can fix are retried with a growing pause until the deadline. Settles exactly once, and stops its
 * watch and timers when it does.
 */
export function waitForPodSet<T>(source: PodSource, options: PodWaitOptions<T>): Promise<T> {
  // Node fires longer timers at once, which would end every wait immediately.
  if (!(options.timeoutMs > 0 && options.timeoutMs <= MAX_TIMER_MS)) {
    return Promise.reject(
      new RangeError(
        `timeoutMs of a wait for ${options.what} must be from 1 to ${MAX_TIMER_MS}, got ${options.timeoutMs}`,
      ),
    );
  }
  return new Promise<T>((resolve, reject) => new PodWait(source, options, resolve, reject).start());
}

class PodWait<T> {
  private readonly pods = new Map<string, V1Pod>();
  private settled = false;
  /** Number of the current watch; events and ends of earlier watches are ignored. */
  private stream = 0;
  private stopWatch: (() => void) | undefined;
  private watchStartedAt = 0;
  private deadline: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private lastError: unknown;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;

  constructor(
    private readonly source: PodSource,
    private readonly options: PodWaitOptions<T>,
    private readonly resolve: (value: T) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    this.retryDelayMs = options.retryDelayMs ?? 250;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 2000;
  }

  start(): void {
    const { what, timeoutMs, startFrom, signal } = this.options;
    if (signal) {
      const callOff = () => this.fail(signal.reason);
      if (signal.aborted) return callOff();
      signal.addEventListener("abort", callOff, { once: true });
    }
    this.deadline = setTimeout(() => {
      const lastError = this.lastError === undefined ? "" : `; last error: ${messageOf(this.lastError)}`;
      const lastObservation = `${summarizePods(this.current())}${lastError}`;
      this.fail(new DeadlineExceededError(what, timeoutMs, { lastObservation, cause: this.lastError }));
    }, timeoutMs);
    if (startFrom) {
      this.replace(startFrom.pods);
      if (!this.evaluate()) void this.watchFrom(startFrom.resourceVersion);
    } else {
      void this.relist();
    }
  }

  private async relist(): Promise<void> {
    let listing: PodListing;
    try {
      listing = await this.source.list();
    } catch (error) {
      this.retryLater(error);
      return;
    }
    if (this.settled) return;
    this.replace(listing.pods);
    if (!this.evaluate()) await this.watchFrom(listing.resourceVersion);
  }

  private async watchFrom(resourceVersion: string): Promise<void> {
    const stream = ++this.stream;
    this.watchStartedAt = Date.now();
    let stop: () => void;
    try {
      stop = await this.source.watch(
        resourceVersion,
        (event) => this.onEvent(stream, event),
        (error) => this.onEnd(stream, error),
      );
    } catch (error) {
      if (stream === this.stream && !this.settled) this.retryLater(error);
      return;
    }
    // The watch may have ended, or the wait settled, before its stop function arrived.
    if (this.settled || stream !== this.stream) stop();
    else this.stopWatch = stop;
  }

  private onEvent(stream: number, event: PodWatchEvent): void {
    if (this.settled || stream !== this.stream) return;
    if (event.type !== "ERROR") this.healthy();
    switch (event.type) {
      case "ADDED":
      case "MODIFIED": {
        const name = event.pod.metadata?.name;
        if (name) this.pods.set(name, event.pod);
        break;
      }
      case "DELETED": {
        const name = event.pod.metadata?.name;
        if (name) this.pods.delete(name);
        break;
      }
      case "BOOKMARK":
        return;
      case "ERROR":
        this.endWatch();
        if (event.code === 410) {
          // The version was compacted away: only a fresh list tells what happened meanwhile.
          this.options.logger.debug(
            { what: this.options.what, message: event.message },
            "pod watch expired, listing again",
          );
          void this.relist();
        } else {
          this.retryLater(new Error(`watch ended with ${event.code ?? "an"} error: ${event.message}`));
        }
        return;
    }
    this.evaluate();
  }

  private onEnd(stream: number, error: unknown): void {
    if (this.settled || stream !== this.stream) return;
    const lived = Date.now() - this.watchStartedAt;
    this.endWatch();
    if (error !== undefined && error !== null) {
      this.retryLater(error);
    } else if (lived < SHORT_WATCH_MS) {
      this.retryLater(new Error(`the pod watch ended after ${lived} ms`));
    } else {
      // Watches end when idle or when the server rotates them; what changed meanwhile comes with the list.
      this.healthy();
      void this.relist();
    }
  }

  /** Forgets the current watch and stops it; its late events and end are ignored. */
  private endWatch(): void {
    this.stream++;
    const stop = this.stopWatch;
    this.stopWatch = undefined;
    stop?.();
  }

  /** A watch delivered, or lasted: earlier failures are over, and the next one pauses briefly again. */
  private healthy(): void {
    this.failures = 0;
    this.lastError = undefined;
  }

  private retryLater(error: unknown): void {
    if (this.settled) return;
    if (error instanceof ResponderError && !error.retryable) {
      this.fail(error);
      return;
    }
    this.lastError = error;
    this.failures++;
    const delay = backoffDelay(this.failures, this.retryDelayMs, this.maxRetryDelayMs);
    this.options.logger.warn(
      { what: this.options.what, err: error, retryInMs: delay },
      "pod watch failed, listing again",
    );
    this.retryTimer = setTimeout(() => void this.relist(), delay);
  }

  private replace(pods: readonly V1Pod[]): void {
    this.pods.clear();
    for (const pod of pods) {
      const name = pod.metadata?.name;
      if (name) this.pods.set(name, pod);
    }
  }

  private current(): V1Pod[] {
    return [...this.pods.values()].sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
  }

  /** Asks `check`; true when the wait has settled. */
  private evaluate(): boolean {
    if (this.settled) return true;
    let result: T | undefined;
    try {
      result = this.options.check(this.current());
    } catch (error) {
      this.fail(error);
      return true;
    }
    if (result === undefined) return false;
    this.finish();
    this.resolve(result);
    return true;
  }

  private fail(error: unknown): void {
    if (this.settled) return;
    this.finish();
    this.reject(error);
  }

  private finish(): void {
    this.settled = true;
    clearTimeout(this.deadline);
    clearTimeout(this.retryTimer);
    this.endWatch();
  }
}

// The generated serializer is not re-exported; it turns watch lines into the same V1Pod shape (Dates) a list gives.

/** Lists the Pods of `namespace` matching `labelSelector`, with the list's resourceVersion. */
export async function listPods(core: CoreCalls, namespace: string, labelSelector: string): Promise<PodListing> {
  try {
    const list = await core.listNamespacedPod({ namespace, labelSelector });
    return { pods: list.items, resourceVersion: list.metadata?.resourceVersion ?? "" };
  } catch (error) {
    throw toKubernetesApiError("list", podsObject(namespace, labelSelector), error);
  }
}

/** Tuning of a PodSource's watches. */
export interface PodSourceOptions {
  /** Asks the server to end each watch after this many seconds (`timeoutSeconds`); default: the server's own limit. */
  watchTimeoutSeconds?: number;
}

/** A PodSource over client-node: `listNamespacedPod` and a `Watch` of the same selector. */
export function clientNodePodSource(
  kubeConfig: KubeConfig,
  core: CoreCalls,
  namespace: string,
  labelSelector: string,
  options: PodSourceOptions = {},
): PodSource {
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`;
  const object = podsObject(namespace, labelSelector);
  return {
    list: () => listPods(core, namespace, labelSelector),
    async watch(resourceVersion, onEvent, onEnd) {
      const controller = await new Watch(kubeConfig).watch(
        path,
        { labelSelector, resourceVersion, timeoutSeconds: options.watchTimeoutSeconds },
        (type: string, raw: unknown) => {
          const event = toPodWatchEvent(type, raw);
          if (event) onEvent(event);
        },
        (error: unknown) => onEnd(watchFailure(object, error)),
      );
      return () => controller.abort();
    },
  };
}

/**
 * The failure a watch ended with, or undefined when it just ended. client-node's Watch gives up on a stream
 * that has been silent for 30 seconds with a TimeoutError; an API server sends nothing while nothing changes, so
 * that is a watch that ended, as when the server ends it, and the wait lists again.
 */
export function watchFailure(object: string, error: unknown): ResponderError | undefined {
  if (error === null || error === undefined || (error as { name?: unknown }).name === "TimeoutError") return undefined;
  return toKubernetesApiError("watch", object, error);
}

/** A watch line as a PodWatchEvent; undefined for types this wait does not know. */
export function toPodWatchEvent(type: string, raw: unknown): PodWatchEvent | undefined {
  switch (type) {
    case "ADDED":
    case "MODIFIED":
    case "DELETED":
      return { type, pod: ObjectSerializer.deserialize(raw, "V1Pod", "") as V1Pod };
    case "BOOKMARK":
      return { type };
    case "ERROR": {
      const status = (raw ?? {}) as { code?: unknown; message?: unknown };
      return {
        type,
        code: typeof status.code === "number" ? status.code : undefined,
        message: typeof status.message === "string" ? status.message : JSON.stringify(raw),
      };
    }
    default:
      return undefined;
  }
}

function podsObject(namespace: string, labelSelector: string): string {
  return `Pods in ${namespace} matching ${labelSelector || "(everything)"}`;
}

/**
 * Milliseconds since the epoch of a time field as client-node hands it over: a Date for Time fields, but the
 * raw string for MicroTime fields (its deserializer does not know that type). Undefined when absent or unreadable.
 */
export function timeMillis(value: Date | string | undefined | null): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
