import type { RecoverRun } from "../test/support/recover-cli.js";
import type { Verdict } from "./fault-scenario.js";

/** How a failed recovery names the state it left the member's workload in (`RecoveryRun`'s last words). */
const LEFT_STATE = / is left (at|with) | no longer exists|could not be read/;

/** The last line `recover` printed. */
export function lastLine(run: RecoverRun): string {
  return run.stdout.trim().split("\n").at(-1) ?? "";
}

/** How a run of `recover` ended, in a few words: completed, nothing to do, failed, refused, killed. */
export function exitMeaning(run: RecoverRun): string {
  switch (run.code) {
    case 0:
      return "completed";
    case 3:
      return "nothing left to do";
    case 4:
      return "refused";
    case 1:
      return LEFT_STATE.test(lastLine(run)) ? "failed, saying the member's state" : "failed";
    case null:
      return "killed";
    default:
      return `exit ${run.code}`;
  }
}

/** Checks that a run completed (exit 0), or found the member healthy already (exit 3) when `orHealthy`. */
export async function expectCompleted(
  verdict: Verdict,
  what: string,
  run: RecoverRun,
  orHealthy = true,
): Promise<void> {
  await verdict.check(`${what} completes`, () => {
    if (run.code === 0 || (orHealthy && run.code === 3)) return;
    throw new Error(`exit ${run.code}: ${lastLine(run) || run.stderr.trim().split("\n").at(-1)}`);
  });
}

/** Checks that a run completed, or ended failed with a last line naming the state of the member's workload. */
export async function expectCompletedOrFailedSayingState(
  verdict: Verdict,
  what: string,
  run: RecoverRun,
): Promise<void> {
  await verdict.check(`${what} completes or fails saying the member's state`, () => {
    if (run.code === 0 || run.code === 3) return;
    if (run.code === 1 && LEFT_STATE.test(lastLine(run))) return;
    throw new Error(`exit ${run.code}: ${lastLine(run)}`);
  });
}
