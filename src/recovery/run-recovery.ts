import { UnsafeRecoveryError, MemberNotDiagnosableError } from "../core/errors.js";
import { failureReason, isRetryable } from "./failure-reason.js";
import { planRecovery } from "./plan.js";
import type { RecoveryContext } from "./recovery-context.js";
import type { RecoveryOutcome, RecoveryResult } from "./recovery-result.js";
import { RecoveryRun } from "./recovery-run.js";
import { addMember } from "./steps/add-member.js";
import { diagnoseMember } from "./steps/diagnose-member.js";
import { guardQuorum } from "./steps/guard-quorum.js";
import { promoteLearner } from "./steps/promote-learner.js";
import { removeDeadMembers } from "./steps/remove-dead-members.js";
import { startMember } from "./steps/start-member.js";
import { stopMember } from "./steps/stop-member.js";
import { takeLock } from "./steps/take-lock.js";
import { takeSnapshot } from "./steps/take-snapshot.js";
import { verifyRecovery } from "./steps/verify-recovery.js";

/**
 * Recovers one crash-looping etcd member, the runbook as code: each step checks the world before it
 * changes it, so running again after an interruption at any point resumes safely. In plan mode only
 * Diagnose and Guard run, without the Lease, and the result carries the plan. Never throws.
 */
export async function runRecovery(ctx: RecoveryContext): Promise<RecoveryResult> {
  const run = new RecoveryRun(ctx);
  try {
    if (ctx.mode === "act") await run.step("lock", () => takeLock(run));
    await run.step("diagnose", () => diagnoseMember(run));

    const diagnosis = run.state.diagnosis;
    if (!diagnosis) throw new Error("Diagnose decided nothing");
    if (diagnosis.verdict === "healthy") return end(run, "skipped", diagnosis.reason);
    if (diagnosis.verdict === "refuse") throw new UnsafeRecoveryError(diagnosis.refusal ?? "refused", diagnosis.reason);
    if (diagnosis.verdict === "retry-later") throw new MemberNotDiagnosableError(diagnosis.reason);

    await run.step("guard", () => guardQuorum(run));
    if (ctx.mode === "observe") {
      const plan = planRecovery(run);
      return { ...(await end(run, "succeeded", diagnosis.reason)), plan };
    }

    await run.step("snapshot", () => takeSnapshot(run));
    await run.step("stop", () => stopMember(run));
    await run.step("remove", () => removeDeadMembers(run));
    await run.step("add", () => addMember(run));
    await run.step("start", () => startMember(run));
    await run.step("promote", () => promoteLearner(run));
    await run.step("verify", () => verifyRecovery(run));
    return end(run, "succeeded", `recovered member ${ctx.member.name} of ${ctx.cluster.namespace}/${ctx.cluster.name}`);
  } catch (error) {
    // A refusal is "nothing changed"; once something was changed, stopping half-way is a failure.
    const refused = error instanceof UnsafeRecoveryError && !run.changed;
    const reason = refused ? (error as Error).message : failureReason(error, run.failedStep ?? run.current, ctx);
    return { ...(await end(run, refused ? "refused" : "failed", reason)), retryable: isRetryable(error), error };
  } finally {
    await closeOpened(run);
  }
}

/** Records the final Event, releases the Lease and builds the result. */
async function end(run: RecoveryRun, outcome: RecoveryOutcome, reason: string): Promise<RecoveryResult> {
  const finalEvent = {
    skipped: { type: "Normal", reason: "RecoverySkipped" },
    refused: { type: "Warning", reason: "RecoveryRefused" },
    failed: { type: "Warning", reason: "RecoveryFailed" },
    succeeded: undefined,
  } as const;
  const event = finalEvent[outcome];
  if (event) run.event({ ...event, message: reason });
  const lock = run.state.lock;
  run.state.lock = undefined;
  // The Events still being written and the Lease's release are independent.
  await Promise.all([run.settleEvents(), lock?.release()]);
  run.logger.info({ outcome }, reason);
  return { outcome, reason, steps: run.records };
}

async function closeOpened(run: RecoveryRun): Promise<void> {
  for (const gateway of run.state.opened.splice(0)) {
    await gateway.close().catch((error: unknown) => run.logger.warn({ err: error }, "closing an etcd gateway failed"));
  }
}
