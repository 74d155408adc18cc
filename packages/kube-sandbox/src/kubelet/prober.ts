import type { Probe } from "./pod-spec.js";

/** What one attempt of a probe found: success, and for a failure what the kubelet says about it. */
export interface ProbeOutcome {
  ok: boolean;
  /** Why it failed, as the kubelet's `Unhealthy` Event words it (e.g. `HTTP probe failed with statuscode: 500`). */
  output: string;
}

/** One attempt of a probe; must give up after `timeoutMs`. */
export type ProbeCheck = (timeoutMs: number) => Promise<ProbeOutcome>;

/** A probe's timing and thresholds with Kubernetes' defaults filled in, in milliseconds and counts. */
export interface ProbeTiming {
  /** `initialDelaySeconds`, default 0. */
  initialDelayMs: number;
  /** `periodSeconds`, default 10, at least 1. */
  periodMs: number;
  /** `timeoutSeconds`, default 1, at least 1. */
  timeoutMs: number;
  /** `successThreshold`, default 1. */
  successThreshold: number;
  /** `failureThreshold`, default 3. */
  failureThreshold: number;
}

/** Kubernetes' defaults for the fields a probe leaves out. */
const DEFAULT_PERIOD_SECONDS = 10;
const DEFAULT_TIMEOUT_SECONDS = 1;
const DEFAULT_SUCCESS_THRESHOLD = 1;
const DEFAULT_FAILURE_THRESHOLD = 3;

/** The timing of `probe` as the kubelet applies it: the API server's defaults, and 1 as the least of each. */
export function probeTiming(probe: Probe): ProbeTiming {
  return {
    initialDelayMs: Math.max(0, probe.initialDelaySeconds ?? 0) * 1000,
    periodMs: Math.max(1, probe.periodSeconds ?? DEFAULT_PERIOD_SECONDS) * 1000,
    timeoutMs: Math.max(1, probe.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
    successThreshold: Math.max(1, probe.successThreshold ?? DEFAULT_SUCCESS_THRESHOLD),
    failureThreshold: Math.max(1, probe.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD),
  };
}

export interface ProberOptions {
  probe: Probe;
  check: ProbeCheck;
  /**
   * Called with the probe's result each time a threshold is reached: true after `successThreshold`
   * successes in a row, false after `failureThreshold` failures in a row.
   */
  onResult: (ok: boolean) => void;
  /** Called after every failed attempt with what it found (the kubelet writes an `Unhealthy` Event each time). */
  onFailure?: (output: string) => void;
}

/**
 * Runs one probe of one container run: waits `initialDelaySeconds`, then starts an attempt every
 * `periodSeconds` on a fixed schedule, as the kubelet's ticker does: a timer that fires late (a busy event
 * loop) does not push the later attempts back. One attempt at a time: an attempt that outlasts the period
 * delays the next until it ends, so a slow endpoint never piles up attempts. Reports when a threshold is
 * reached.
 */
export class Prober {
  private readonly timing: ProbeTiming;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private successes = 0;
  private failures = 0;
  private result: boolean | undefined;
  /** When the attempt under way (or the first one) was due: the schedule is this plus whole periods. */
  private due = 0;

  constructor(private readonly options: ProberOptions) {
    this.timing = probeTiming(options.probe);
  }

  /** Schedules the first attempt after the initial delay. */
  start(): void {
    this.due = Date.now() + this.timing.initialDelayMs;
    this.timer = setTimeout(() => void this.tick(), this.timing.initialDelayMs);
  }

  /** No more attempts, and no report of one under way. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    let outcome: ProbeOutcome;
    try {
      outcome = await this.options.check(this.timing.timeoutMs);
    } catch (error) {
      outcome = { ok: false, output: error instanceof Error ? error.message : String(error) };
    }
    if (this.stopped) return;
    if (outcome.ok) {
      this.successes += 1;
      this.failures = 0;
      if (this.successes >= this.timing.successThreshold && this.result !== true) this.report(true);
    } else {
      this.failures += 1;
      this.successes = 0;
      this.options.onFailure?.(outcome.output);
      if (this.failures >= this.timing.failureThreshold && this.result !== false) this.report(false);
    }
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), this.nextWait());
  }

  /**
   * How long until the next attempt: the next period of the schedule, or none when the attempt just ended
   * ran past it (a ticker holds one missed tick); the schedule keeps its phase either way.
   */
  private nextWait(): number {
    const now = Date.now();
    const periods = Math.floor((now - this.due) / this.timing.periodMs);
    if (periods >= 1) {
      this.due += periods * this.timing.periodMs;
      return 0;
    }
    this.due += this.timing.periodMs;
    return Math.max(0, this.due - now);
  }

  private report(ok: boolean): void {
    this.result = ok;
    this.options.onResult(ok);
  }
}
