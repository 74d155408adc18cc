import {
  isLearnerUnsupported,
  isPeerURLExists,
  isTooManyLearners,
  isUnhealthyCluster,
} from "../gateways/etcd/errors.js";
import type { EtcdMember } from "../gateways/etcd/etcd-gateway.js";
import { ensureQuorum, viewCluster, entryOf } from "./cluster-view.js";
import { initialClusterValue } from "./decisions/initial-cluster.js";
import { hexId } from "./decisions/members.js";
import type { Plan } from "./guard.js";
import type { RecoveryRun, StepOutcome } from "./recovery-run.js";
import { retryRefusedInRun } from "./waits.js";
import { joinsByItself } from "./member-workload.js";
import { expectedInitialCluster } from "./plan.js";

/** The member's entry as Add left it: what Start needs to start the member. */
export interface Added {
  /** The member's etcd ID; undefined when the member's own start scripts add it (see `joinsByItself`). */
  memberId?: string;
  /** Whether it was added (or found) as a learner. */
  learner: boolean;
  /** The `--initial-cluster` value it must start with. */
  initialCluster: string;
}

/**
 * Step 7, Add: add the member back (as a learner when configured), or reuse the entry an interrupted
 * earlier attempt left, and work out the `--initial-cluster` it must start with. Answers nothing when an
 * earlier attempt got past Start (the member is resuming).
 */
export async function add(run: RecoveryRun, plan: Plan): Promise<StepOutcome<Added | undefined>> {
  const { ctx } = run;
  if (plan.diagnosis.verdict !== "recover") {
    return { outcome: "skipped", detail: "the member is already in the member list", result: undefined };
  }
  const { member } = ctx;
  if (joinsByItself(ctx.cluster)) {
    return {
      outcome: "skipped",
      detail: `${member.name}'s own start scripts add it back, as a voting member, once its Pod is replaced`,
      result: { learner: false, initialCluster: expectedInitialCluster(run, plan) },
    };
  }

  const existing = await listedEntry(run, plan);
  if (existing) return reuse(run, existing.entry, existing.members, "an earlier attempt added it");

  const learner = ctx.cluster.useLearners;
  if (!learner) await ensureVotingAddKeepsQuorum(run, plan);
  let added: { member: EtcdMember; members: EtcdMember[] };
  try {
    added = await sendAdd(run, plan, learner);
  } catch (error) {
    if (learner && isLearnerUnsupported(error)) {
      run.progress("this etcd does not support learners; adding a voting member instead");
      await ensureVotingAddKeepsQuorum(run, plan);
      added = await sendAdd(run, plan, false);
    } else if (isTooManyLearners(error)) {
      throw new Error(
        `etcd refuses to add ${member.name} as a learner because the cluster already has a learner; promote or ` +
          `remove that learner, then run again`,
        { cause: error },
      );
    } else {
      // The add may have gone through although its answer was lost (or it was a repeat): look before failing.
      const after = await listedEntry(run, plan).catch(() => undefined);
      if (after)
        return reuse(
          run,
          after.entry,
          after.members,
          isPeerURLExists(error) ? "it was already listed" : "the add went through",
        );
      throw error;
    }
  }

  const initialCluster = initialClusterValue(
    added.members,
    { id: added.member.id, name: member.name },
    ctx.cluster.members,
  );
  run.markChanged();
  const as = added.member.isLearner ? "a learner" : "a voting member";
  const detail = `added ${member.name} (${member.peerURL}) as ${as}, ID ${hexId(added.member.id)}`;
  return {
    outcome: "done",
    detail,
    event: { type: "Normal", reason: "MemberAdded", message: `Added etcd member ${member.name} as ${as}` },
    result: { memberId: added.member.id, learner: added.member.isLearner, initialCluster },
  };
}

function sendAdd(
  run: RecoveryRun,
  plan: Plan,
  learner: boolean,
): Promise<{ member: EtcdMember; members: EtcdMember[] }> {
  const { ctx } = run;
  // Right after a connection change etcd refuses adds for a few seconds (strict reconfiguration check).
  return retryRefusedInRun(
    run,
    () => plan.diagnosis.membership.addMember(ctx.member.peerURL, { learner }),
    isUnhealthyCluster,
    `etcd to accept adding ${ctx.member.name} (it answers "unhealthy cluster" while a voting member is not connected ` +
      `to all others)`,
    'etcd answers "unhealthy cluster" (not every voting member is connected yet); retrying',
  );
}

async function listedEntry(
  run: RecoveryRun,
  plan: Plan,
): Promise<{ entry: EtcdMember; members: EtcdMember[] } | undefined> {
  const view = await viewCluster(run.ctx, plan.clusterId);
  const entry = entryOf(view.list, run.ctx.member);
  return entry ? { entry, members: view.list.members } : undefined;
}

function reuse(run: RecoveryRun, entry: EtcdMember, members: EtcdMember[], why: string): StepOutcome<Added> {
  const { ctx } = run;
  const initialCluster = initialClusterValue(members, { id: entry.id, name: ctx.member.name }, ctx.cluster.members);
  const as = entry.isLearner ? "learner" : "voting member";
  return {
    outcome: "skipped",
    detail: `${ctx.member.name} is already listed as ${as} ${hexId(entry.id)} (${why}); reusing it`,
    result: { memberId: entry.id, learner: entry.isLearner, initialCluster },
  };
}

/** A voting add raises the quorum at once: refuse it unless enough members answer for the larger cluster. */
async function ensureVotingAddKeepsQuorum(run: RecoveryRun, plan: Plan): Promise<void> {
  ensureQuorum(run.ctx, await viewCluster(run.ctx, plan.clusterId), { votingAdd: true });
}
