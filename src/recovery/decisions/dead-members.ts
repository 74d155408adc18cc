import type { PodPresence } from "../pods.js";

/** One member of the list, as the dead-member decision sees it. */
export interface DeadMemberCandidate {
  /** Member ID. */
  id: string;
  /** It answered a status call just now. */
  answers: boolean;
  /** It is the member being recovered (matched by peer URL). */
  own: boolean;
  /**
   * For the member being recovered: the recovery replaces its Pod itself later (a StatefulSet member, whose Pod is
   * deleted in Start), rather than having stopped it first (a Deployment member, stopped in Stop).
   */
  podReplacedLater?: boolean;
  /** Its peer URL belongs to a configured member, so its Pod can be looked at. */
  configured: boolean;
  /** Its Pod, via the configured member's Deployment. */
  pod: PodPresence;
  /** When a status call to it first failed during this recovery (ms); undefined if none has failed yet. */
  firstFailedAt?: number;
}

/** The decision about one member. */
export interface DeadMemberDecision {
  id: string;
  /** `dead`: remove it; `alive`: never remove; `undecided`: ask again at `decideAt`. */
  verdict: "dead" | "alive" | "undecided";
  /** Why, for people. */
  reason: string;
  /** For `undecided`: when it counts as dead if it still fails (ms). */
  decideAt?: number;
}

/**
 * Which members are dead. Dead = does not answer for `deadAfterMs` AND its Pod is gone or not Ready.
 * A Pod not Ready for `deadAfterMs` already gives the measure; otherwise the time since the first failed
 * status call does. A member that answers, or whose Pod is Ready, is never dead; nor is one whose Pod
 * cannot be checked (not configured). The member being recovered is dead once its Pod is gone, or, when the
 * recovery replaces that Pod later, while its Pod is not Ready.
 */
export function decideDeadMembers(
  candidates: readonly DeadMemberCandidate[],
  options: { now: number; deadAfterMs: number },
): DeadMemberDecision[] {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return candidates.map((c): DeadMemberDecision => {
    const alive = (reason: string): DeadMemberDecision => ({ id: c.id, verdict: "alive", reason });
    const dead = (reason: string): DeadMemberDecision => ({ id: c.id, verdict: "dead", reason });
    if (c.answers) return alive("it answers");
    if (c.pod.kind === "ready") return alive(`its Pod ${c.pod.pod} is Ready`);
    if (!c.configured) return alive("it is not a configured member, so its Pod cannot be checked");
    if (c.own) {
      if (c.pod.kind === "gone") return dead("it is the member being recovered and its Pod is gone");
      return c.podReplacedLater
        ? dead(`it is the member being recovered; its Pod ${c.pod.pod} is not Ready and is replaced in Start`)
        : alive(`its Pod ${c.pod.pod} still exists`);
    }

    if (c.pod.kind === "not-ready" && c.pod.since !== undefined && options.now - c.pod.since >= options.deadAfterMs) {
      return dead(
        `it does not answer and its Pod ${c.pod.pod} has not been Ready for ${seconds(options.now - c.pod.since)}`,
      );
    }
    const podState = c.pod.kind === "gone" ? "its Pod is gone" : `its Pod ${c.pod.pod} is not Ready`;
    if (c.firstFailedAt !== undefined && options.now - c.firstFailedAt >= options.deadAfterMs) {
      return dead(`it has not answered for ${seconds(options.now - c.firstFailedAt)} and ${podState}`);
    }
    const decideAt = (c.firstFailedAt ?? options.now) + options.deadAfterMs;
    return {
      id: c.id,
      verdict: "undecided",
      reason: `it does not answer and ${podState}; asking again until ${seconds(options.deadAfterMs)} have passed`,
      decideAt,
    };
  });
}
