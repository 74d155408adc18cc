import type { V1Pod } from "@kubernetes/client-node";
import { DeadlineExceededError, ResponderError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { summarizePods } from "./pod-summary.js";

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
  /** Called with the current Pods, sorted by name, after every list and change; a value other than undefined ends the wait. */
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
}

/** The longest delay setTimeout keeps (about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

/** A watch that ends sooner than this after it started counts as a failure, so a server that keeps closing is not hammered. */
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
    const { what, timeoutMs, startFrom } = this.options;
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
    const delay = Math.min(this.retryDelayMs * 2 ** (this.failures - 1), this.maxRetryDelayMs);
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

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
