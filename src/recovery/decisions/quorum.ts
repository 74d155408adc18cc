/** Votes a cluster of `voters` voting members needs for any change: floor(n/2)+1. */
export function quorumOf(voters: number): number {
  return Math.floor(voters / 2) + 1;
}

/** One member of the real cluster as the guard sees it. */
export interface GuardMember {
  /** Member ID. */
  id: string;
  /** Whether it is a learner (learners do not vote and do not count towards quorum). */
  isLearner: boolean;
  /** It answered a status call for the real cluster and knows a leader. */
  healthy: boolean;
  /** It answered a status call for the real cluster (with or without a leader); default: as `healthy`. */
  answers?: boolean;
}

/** What the guard decides on. */
export interface GuardInput {
  /** How many configured members were asked for their status. */
  asked: number;
  /** How many of them answered at all (for any cluster). */
  answered: number;
  /** A problem with the cluster ID (mismatch with the pinned one, ambiguous answers). */
  clusterProblem?: { reason: string; message: string };
  /** The real cluster's member list; undefined when no member returned it. */
  members?: GuardMember[];
  /** IDs of the members the plan removes (as dead) before adding. */
  removals: readonly string[];
  /** Whether the plan adds a voting member (learners off or unsupported). */
  votingAdd: boolean;
  /** The member being recovered, for messages. */
  memberName: string;
}

/** The guard's answer: safe with the numbers, or unsafe with a stable reason and a message for people. */
export type GuardVerdict =
  | { safe: true; voters: number; healthy: number; quorum: number; summary: string }
  | { safe: false; reason: string; message: string };

const RESTORE_ADVICE =
  "no membership change is possible; a human must restore from a snapshot (etcdctl snapshot restore / " +
  "--force-new-cluster)";

/**
 * Whether changing the membership is safe: a live quorum of voting members must answer now, and a voting
 * add must not raise the quorum above what answers once the dead members are removed.
 */
export function checkQuorum(input: GuardInput): GuardVerdict {
  if (input.clusterProblem)
    return { safe: false, reason: input.clusterProblem.reason, message: input.clusterProblem.message };
  if (input.answered === 0) {
    return {
      safe: false,
      reason: "etcd-unreachable",
      message:
        `no etcd member answers (asked ${input.asked}): either the responder cannot reach etcd or quorum is ` +
        `lost; nothing was changed; check connectivity first, and if the members are down, ${RESTORE_ADVICE}`,
    };
  }
  if (input.members === undefined) {
    return {
      safe: false,
      reason: "quorum-lost",
      message:
        `quorum is lost: no voting member with a leader returned the member list (${input.answered} of ` +
        `${input.asked} members answer); ${RESTORE_ADVICE}`,
    };
  }

  const voters = input.members.filter((m) => !m.isLearner);
  const healthy = voters.filter((m) => m.healthy).length;
  const quorum = quorumOf(voters.length);
  if (healthy < quorum) {
    // Survivors of a lost quorum still answer, but know no leader: say so, it is the telling sign.
    const answering = voters.filter((m) => m.answers ?? m.healthy).length;
    const leaderless = answering > healthy ? ` (${answering - healthy} without a leader)` : "";
    return {
      safe: false,
      reason: "quorum-lost",
      message:
        `quorum is lost: ${answering} of ${voters.length} voting members answer${leaderless}, ${quorum} ` +
        `needed; ${RESTORE_ADVICE}`,
    };
  }

  if (input.votingAdd) {
    const removedVoters = voters.filter((m) => input.removals.includes(m.id)).length;
    const after = voters.length - removedVoters + 1;
    const needed = quorumOf(after);
    if (healthy < needed) {
      return {
        safe: false,
        reason: "voting-add-would-lose-quorum",
        message:
          `adding ${input.memberName} as a voting member would lose quorum: after removing ${removedVoters} ` +
          `dead member(s) the cluster would have ${after} voting members, ${needed} needed, but only ${healthy} ` +
          `answer; use learners (useLearners: true) or bring members back first`,
      };
    }
  }
  return {
    safe: true,
    voters: voters.length,
    healthy,
    quorum,
    summary:
      `${healthy} of ${voters.length} voting members answer with a leader, ${quorum} needed (tolerates ` +
      `${healthy - quorum} more failure${healthy - quorum === 1 ? "" : "s"})`,
  };
}
