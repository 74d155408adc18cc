import { ensureQuorum, viewCluster } from "./cluster-view.js";
import { messageOf } from "../core/errors.js";
import type { Plan } from "./guard.js";
import type { RecoveryRun } from "./recovery-run.js";

/**
 * Refuses to touch the member's Pod or claim while it answers as the new member (when its own scripts add it: as a
 * voting member of the cluster), and its claim while quorum is at risk without it.
 */
export async function ensureMemberDoesNotAnswer(
  run: RecoveryRun,
  plan: Plan,
  memberId: string | undefined,
  deletingClaim: boolean,
): Promise<void> {
  const { ctx } = run;
  const status = await ctx.etcd.status(ctx.member.clientURL).catch(() => undefined);
  const joined =
    status !== undefined &&
    status.clusterId === plan.clusterId &&
    (memberId === undefined ? !status.isLearner : status.memberId === memberId);
  if (joined) {
    throw new Error(
      `member ${ctx.member.name} already answers as the added member; its Pod and data are left alone: run again`,
    );
  }
  if (deletingClaim) {
    const view = await viewCluster(ctx, plan.clusterId).catch((error: unknown) => {
      throw new Error(`could not check quorum before deleting the member's claim: ${messageOf(error)}`);
    });
    ensureQuorum(ctx, view, { votingAdd: false });
  }
}
