import { DeadlineExceededError } from "../core/errors.js";
import { isMemberNotFound } from "../gateways/etcd/errors.js";
import { ensureQuorum, viewCluster, deadMemberCandidates, describeEntry, statusOfEntry } from "./cluster-view.js";
import { decideDeadMembers } from "./decisions/dead-members.js";
import { hexId } from "./decisions/members.js";
import type { Plan } from "./guard.js";
import type { RecoveryRun, StepOutcome } from "./recovery-run.js";

/**
 * Step 6, Remove: remove every dead member, one at a time, before anything is added: a dead member still
 * listed blocks every add (strict reconfiguration check) and, for a voting add, raises the quorum. Members
 * that answer or whose Pod is Ready are never removed. Quorum is checked again before each removal.
 */
export async function remove(run: RecoveryRun, plan: Plan): Promise<StepOutcome> {
  const { ctx } = run;
  if (plan.diagnosis.verdict !== "recover")
    return { outcome: "skipped", detail: "resuming after the membership changes" };
  const deadAfterMs = ctx.settings.deadAfterSeconds * 1000;
  const deadline = ctx.clock.now() + run.timeoutMs;
  const firstFailedAt = failuresSeenByDiagnose(plan);
  const removed: string[] = [];
  const waitingFor = new Set<string>();

  for (;;) {
    const view = await viewCluster(ctx, plan.clusterId);
    const candidates = await deadMemberCandidates(ctx, { ...view, members: view.list.members }, firstFailedAt);
    const decisions = decideDeadMembers(candidates, { now: ctx.clock.now(), deadAfterMs });
    const dead = decisions.find((d) => d.verdict === "dead");
    if (dead) {
      const entry = view.list.members.find((m) => m.id === dead.id);
      const name = entry ? describeEntry(entry, ctx.cluster.members) : dead.id;
      ensureQuorum(ctx, view, { votingAdd: false });
      try {
        await plan.diagnosis.membership.removeMember(dead.id);
      } catch (error) {
        // Already gone: an earlier attempt (or someone else) removed it.
        if (!isMemberNotFound(error)) throw error;
      }
      run.markChanged();
      removed.push(dead.id);
      run.progress(`removed dead member ${name}: ${dead.reason}`);
      run.event({
        type: "Normal",
        reason: "DeadMemberRemoved",
        message: `Removed dead etcd member ${name}: ${dead.reason}`,
      });
      // Every other member answered in this view, and none can count as dead moments later (that takes
      // deadAfterSeconds of silence): looking again would find nothing to remove or report.
      if (candidates.every((c) => c.id === dead.id || c.answers)) break;
      continue;
    }

    const undecided = decisions.filter((d) => d.verdict === "undecided");
    if (undecided.length === 0) {
      for (const kept of decisions.filter(
        (d) => d.verdict === "alive" && !candidates.find((c) => c.id === d.id)?.answers,
      )) {
        const entry = view.list.members.find((m) => m.id === kept.id);
        run.progress(
          `kept member ${entry ? describeEntry(entry, ctx.cluster.members) : kept.id}, which does not answer: ` +
            `${kept.reason}`,
        );
      }
      break;
    }
    const now = ctx.clock.now();
    const wakeAt = Math.min(...undecided.map((d) => d.decideAt ?? now));
    if (now >= deadline) {
      throw new DeadlineExceededError("unreachable members to be declared dead or to answer", run.timeoutMs, {
        lastObservation: undecided.map((d) => d.reason).join("; "),
      });
    }
    for (const d of undecided) {
      if (waitingFor.has(d.id)) continue;
      waitingFor.add(d.id);
      const entry = view.list.members.find((m) => m.id === d.id);
      run.progress(`member ${entry ? describeEntry(entry, ctx.cluster.members) : d.id}: ${d.reason}`);
    }
    // Asking again meanwhile notices a member that comes back.
    await ctx.clock.sleep(Math.max(1, Math.min(wakeAt - now, 1000, deadline - now)));
  }

  if (removed.length === 0) return { outcome: "skipped", detail: "no dead member in the member list" };
  return {
    outcome: "done",
    detail: `removed ${removed.length} dead member${removed.length > 1 ? "s" : ""} (${removed.map(hexId).join(", ")})`,
  };
}

/** Members that did not answer when Diagnose asked have been failing since then. */
function failuresSeenByDiagnose(plan: Plan): Map<string, number> {
  const seen = new Map<string, number>();
  const { probes, probedAt } = plan.diagnosis.cluster;
  for (const entry of plan.list.members) {
    if (!statusOfEntry(entry, probes, plan.clusterId)) seen.set(entry.id, probedAt);
  }
  return seen;
}
