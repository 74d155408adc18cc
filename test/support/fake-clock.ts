import type { Clock } from "../../src/core/clock.js";

interface Sleeper {
  at: number;
  resolve: () => void;
}

/**
 * Virtual time. Sleepers wake in time order; time jumps to the earliest sleeper whenever everything else
 * has settled (one macrotask turn later), so waits of minutes take no real time. Fakes that answer with
 * plain promises (no timers) keep the order exact.
 */
export class FakeClock implements Clock {
  private current: number;
  private sleepers: Sleeper[] = [];
  private scheduled = false;

  constructor(start = Date.UTC(2024, 0, 2, 3, 4, 5)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const sleeper: Sleeper = { at: this.current + Math.max(0, ms), resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener(
        "abort",
        () => {
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
          resolve();
        },
        { once: true },
      );
      this.schedule();
    });
  }

  /** Moves time forward without waking anyone early (for "this happened a while ago"). */
  advance(ms: number): void {
    this.current += ms;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.sleepers.sort((a, b) => a.at - b.at);
      const next = this.sleepers.shift();
      if (!next) return;
      this.current = Math.max(this.current, next.at);
      next.resolve();
      if (this.sleepers.length > 0) this.schedule();
    });
  }
}
