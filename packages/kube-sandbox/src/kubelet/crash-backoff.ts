/**
 * The kubelet's CrashLoopBackOff for one container: the first restart is immediate, every later one waits
 * base, 2×base, 4×base … up to 30×base; a run that lasted longer than 60×base starts the count over.
 * (Kubernetes: base 10 s, cap 5 min, reset after 10 min.)
 */
export class CrashBackoff {
  private crashes = 0;

  constructor(private readonly baseMs: number) {
    if (!(baseMs > 0)) throw new RangeError(`backoff base must be a positive number of milliseconds, got ${baseMs}`);
  }

  /** Records a finished run and returns how long to wait before the next start. */
  nextDelay(runMs: number): number {
    if (runMs > 60 * this.baseMs) this.crashes = 0;
    this.crashes += 1;
    if (this.crashes === 1) return 0;
    return Math.min(this.baseMs * 2 ** (this.crashes - 2), 30 * this.baseMs);
  }
}

/** A duration the way Go prints it (`100ms`, `1.5s`, `1m0s`), as Kubernetes messages show it. */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (ms < 1000) return `${trimNumber(ms)}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  let out = "";
  if (hours > 0) out += `${hours}h`;
  if (hours > 0 || minutes > 0) out += `${minutes}m`;
  return `${out}${trimNumber(seconds)}s`;
}

function trimNumber(value: number): string {
  return String(Number(value.toFixed(9)));
}

/** The `waiting.message` of a container in CrashLoopBackOff. */
export function crashLoopMessage(delayMs: number, container: string, podFullName: string): string {
  return `back-off ${formatGoDuration(delayMs)} restarting failed container=${container} pod=${podFullName}`;
}
