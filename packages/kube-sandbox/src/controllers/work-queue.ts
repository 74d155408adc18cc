import type { Logger } from "../logger.js";

/** What a reconcile asks of the queue afterwards. */
export interface ReconcileResult {
  /** Look at the same key again after this many milliseconds (a deadline or a delay passing). */
  requeueAfterMs?: number;
}

/** Handles one key; throwing means "try again later". */
type Reconcile = (key: string) => ReconcileResult | void;

export interface WorkQueueOptions {
  /** Brings the objects behind one key in line with what they should be. */
  reconcile: Reconcile;
  logger: Logger;
  /** First retry delay after a failed reconcile, doubled on each further failure. Default 50 ms. */
  retryBaseMs?: number;
  /** Longest retry delay. Default 5000 ms. */
  retryMaxMs?: number;
  /** Keys handled per turn of the event loop before yielding to I/O. Default 100. */
  batchSize?: number;
  /** Log fields naming what a key stands for; default `{ key }`. */
  describe?: (key: string) => Record<string, unknown>;
}

/**
 * Keys waiting to be reconciled. A key added many times before it is handled is handled once; keys
 * are handled outside the store's event dispatch, so a reconcile that writes never recurses into
 * itself. A failed reconcile is retried with backoff, never dropped.
 */
export class WorkQueue {
  private readonly pending = new Set<string>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly failures = new Map<string, number>();
  private readonly idleWaiters: (() => void)[] = [];
  private scheduled = false;
  private running = false;
  private stopped = false;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly batchSize: number;

  constructor(private readonly options: WorkQueueOptions) {
    this.retryBaseMs = options.retryBaseMs ?? 50;
    this.retryMaxMs = options.retryMaxMs ?? 5000;
    this.batchSize = options.batchSize ?? 100;
  }

  /** Queues `key` for the next turn of the event loop; a key already waiting stays one entry. */
  add(key: string): void {
    if (this.stopped) return;
    this.pending.add(key);
    this.schedule();
  }

  /** Adds `key` after `delayMs`; an earlier pending delay for the same key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    const at = Date.now() + delayMs;
    const existing = this.timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(
      () => {
        this.timers.delete(key);
        this.add(key);
      },
      Math.max(0, delayMs),
    );
    // A delayed look must not keep the process alive on its own.
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  /** Resolves once no key is waiting or being handled. Delayed keys (retries, deadlines) do not count. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drops waiting and delayed keys and accepts no more; a reconcile already running finishes. */
  stop(): void {
    this.stopped = true;
    this.pending.clear();
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.notifyIdle();
  }

  private isIdle(): boolean {
    return this.pending.size === 0 && !this.running;
  }

  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    if (this.stopped) return;
    this.running = true;
    try {
      for (let handled = 0; handled < this.batchSize; handled++) {
        const key = this.pending.values().next();
        if (key.done) break;
        this.pending.delete(key.value);
        this.handle(key.value);
      }
    } finally {
      this.running = false;
    }
    if (this.pending.size > 0) this.schedule();
    else this.notifyIdle();
  }

  private handle(key: string): void {
    try {
      const result = this.options.reconcile(key);
      this.failures.delete(key);
      if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch (error) {
      const attempt = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, attempt);
      const delayMs = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** (attempt - 1));
      const subject = this.options.describe?.(key) ?? { key };
      this.options.logger.error({ ...subject, attempt, retryInMs: delayMs, err: error }, "reconcile failed; retrying");
      this.addAfter(key, delayMs);
    }
  }

  private notifyIdle(): void {
    if (!this.isIdle() && !this.stopped) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
