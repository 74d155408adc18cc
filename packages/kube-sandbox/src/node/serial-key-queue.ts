/**
 * Keys handled one at a time, in the order first added, by an async handler, always on a later turn of the
 * event loop than the `add` (so a store listener that adds never runs the handler inside the store's
 * dispatch). A key added again while it waits stays one entry; one added while it is being handled is
 * handled again afterwards. A handler that throws is reported to `onError` and the queue goes on.
 *
 * With `prepare`, every key is first given to it, together with the other keys waiting at that moment that it
 * has not seen yet, before the first of them is handled: work that is cheaper done for several keys at once
 * (one process for all of them) can be done there. A `prepare` that throws is reported for each of its keys,
 * which are handled all the same.
 */
export class SerialKeyQueue {
  private readonly pending = new Set<string>();
  /** Waiting keys `prepare` has been given. */
  private readonly prepared = new Set<string>();
  private draining: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly handle: (key: string) => Promise<void>,
    private readonly onError: (key: string, err: unknown) => void,
    private readonly prepare?: (keys: readonly string[]) => Promise<void>,
  ) {}

  /** Queues `key`; ignored once the queue is stopped. */
  add(key: string): void {
    if (this.stopped) return;
    this.pending.add(key);
    this.draining ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.drain());
  }

  /** Resolves once every key added so far has been handled. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Drops the waiting keys, accepts no more, and resolves once the key being handled, if any, is done. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.pending.clear();
    this.prepared.clear();
    await this.idle();
  }

  private async drain(): Promise<void> {
    for (let next = this.first(); next !== undefined; next = this.first()) {
      if (this.prepare && !this.prepared.has(next)) {
        const keys = [...this.pending].filter((key) => !this.prepared.has(key));
        for (const key of keys) this.prepared.add(key);
        try {
          await this.prepare(keys);
        } catch (err) {
          for (const key of keys) this.onError(key, err);
        }
        continue;
      }
      this.pending.delete(next);
      this.prepared.delete(next);
      try {
        await this.handle(next);
      } catch (err) {
        this.onError(next, err);
      }
    }
    this.draining = undefined;
  }

  private first(): string | undefined {
    return this.pending.values().next().value;
  }
}
