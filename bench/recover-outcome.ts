import { RECOVER_EXIT_CODES } from "../src/cli/usage.js";
import type { RecoveryOutcome } from "../src/recovery/context.js";
import type { RecoverRun } from "../test/support/recover-cli.js";
import type { Verdict } from "./fault-scenario.js";

const { succeeded: COMPLETED, skipped: NOTHING_TO_DO, failed: FAILED } = RECOVER_EXIT_CODES;

/** What each way `recover` ends means here, in a few words. */
const MEANINGS: Readonly<Record<RecoveryOutcome, string>> = {
  succeeded: "completed",
  skipped: "nothing left to do",
  refused: "refused",
  failed: "failed",
};

/** How a failed recovery names the state it left the member's workload in (`RecoveryRun`'s last words). */
const LEFT_STATE = / is left (at|with) | no longer exists|could not be read/;

/** The last line `recover` printed. */
export function lastLine(run: RecoverRun): string {
  return run.stdout.trim().split("\n").at(-1) ?? "";
}

/** How a run of `recover` ended, in a few words: completed, nothing to do, failed, refused, killed. */
export function exitMeaning(run: RecoverRun): string {
  if (run.code === null) return "killed";
  if (run.code === FAILED && LEFT_STATE.test(lastLine(run))) return "failed, saying the member's state";
  const outcome = (Object.keys(RECOVER_EXIT_CODES) as RecoveryOutcome[]).find(
    (o) => RECOVER_EXIT_CODES[o] === run.code,
  );
  return outcome ? MEANINGS[outcome] : `exit ${run.code}`;
}

/** Checks that a run completed (exit 0), or found the member healthy already (exit 3) when `orHealthy`. */
export async function expectCompleted(
  verdict: Verdict,
  what: string,
  run: RecoverRun,
  orHealthy = true,
): Promise<void> {
  await verdict.check(`${what} completes`, () => {
    if (run.code === COMPLETED || (orHealthy && run.code === NOTHING_TO_DO)) return;
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
    if (run.code === COMPLETED || run.code === NOTHING_TO_DO) return;
    if (run.code === FAILED && LEFT_STATE.test(lastLine(run))) return;
    throw new Error(`exit ${run.code}: ${lastLine(run)}`);
  });
}
