import type { Probe } from "./pod-spec.js";

/** One attempt of a probe: resolves true on success; must give up after `timeoutMs`. */
export type ProbeCheck = (timeoutMs: number) => Promise<boolean>;

export interface ProberOptions {
  probe: Probe;
  check: ProbeCheck;
  /** Replaces the probe's `periodSeconds` when set. */
  periodOverrideMs?: number;
  /**
   * Called with the probe's result each time a threshold is reached: true after `successThreshold`
   * successes in a row, false after `failureThreshold` failures in a row.
   */
  onResult: (ok: boolean) => void;
}

/**
 * Runs one probe of one container run: waits `initialDelaySeconds`, then checks every period (one check
 * at a time, so a slow endpoint never piles up attempts), and reports when a threshold is reached.
 */
export class Prober {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private successes = 0;
  private failures = 0;
  private result: boolean | undefined;

  constructor(private readonly options: ProberOptions) {}

  start(): void {
    const delayMs = Math.max(0, (this.options.probe.initialDelaySeconds ?? 0) * 1000);
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const probe = this.options.probe;
    const timeoutMs = Math.max(1, probe.timeoutSeconds ?? 1) * 1000;
    let ok: boolean;
    try {
      ok = await this.options.check(timeoutMs);
    } catch {
      ok = false;
    }
    if (this.stopped) return;
    if (ok) {
      this.successes += 1;
      this.failures = 0;
      if (this.successes >= Math.max(1, probe.successThreshold ?? 1) && this.result !== true) this.report(true);
    } else {
      this.failures += 1;
      this.successes = 0;
      if (this.failures >= Math.max(1, probe.failureThreshold ?? 3) && this.result !== false) this.report(false);
    }
    if (this.stopped) return;
    const periodMs = this.options.periodOverrideMs ?? Math.max(1, probe.periodSeconds ?? 10) * 1000;
    this.timer = setTimeout(() => void this.tick(), periodMs);
  }

  private report(ok: boolean): void {
    this.result = ok;
    this.options.onResult(ok);
  }
}
