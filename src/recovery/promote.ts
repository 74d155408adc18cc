import { isLearnerNotInSync, isMemberNotLearner } from "../gateways/etcd/errors.js";
import { viewCluster, entryOf } from "./cluster-view.js";
import { hexId } from "./decisions/members.js";
import { seconds } from "./report.js";
import type { Plan } from "./guard.js";
import type { RecoveryRun, StepOutcome } from "./recovery-run.js";
import { retryRefusedInRun } from "./waits.js";

/**
 * Step 9, Promote: make the learner a voting member. etcd refuses until the learner has caught up with the
 * leader's log, so a "not in sync" refusal is retried with back-off until the deadline.
 */
export async function promote(run: RecoveryRun, plan: Plan): Promise<StepOutcome> {
  const { ctx } = run;
  const view = await viewCluster(ctx, plan.clusterId);
  const entry = entryOf(view.list, ctx.member);
  if (!entry)
    throw new Error(
      `member ${ctx.member.name} (${ctx.member.peerURL}) is not in the member list any more; someone removed it: run ` +
        `again`,
    );
  if (!entry.isLearner) return { outcome: "skipped", detail: `${ctx.member.name} is a voting member already` };

  const startedAt = ctx.clock.now();
  try {
    await retryRefusedInRun(
      run,
      () => plan.diagnosis.membership.promoteMember(entry.id),
      isLearnerNotInSync,
      `learner ${ctx.member.name} to be in sync with the leader so it can be promoted`,
      `learner ${ctx.member.name} is still catching up with the leader; retrying`,
    );
  } catch (error) {
    // Promoted already: an earlier answer was lost, or another attempt did it.
    if (!isMemberNotLearner(error)) throw error;
  }
  run.markChanged();
  const detail =
    `promoted learner ${ctx.member.name} (${hexId(entry.id)}) to a voting member after ` +
    `${seconds(ctx.clock.now() - startedAt)}`;
  return {
    outcome: "done",
    detail,
    event: {
      type: "Normal",
      reason: "LearnerPromoted",
      message: `Promoted etcd learner ${ctx.member.name} to a voting member`,
    },
  };
}
