/** What the plan of a recovery is made from (all known after Diagnose and Guard). */
export interface PlanInput {
  /** The diagnosis verdict that leads to acting. */
  verdict: "recover" | "resume-promote" | "resume-verify";
  /** The member's Deployment. */
  deployment: string;
  /** The member's etcd name. */
  memberName: string;
  /** The member's peer URL. */
  peerURL: string;
  /** Whether the Deployment still has replicas or Pods to stop. */
  running: boolean;
  /** Where the snapshot would come from and go; undefined when snapshots are off. */
  snapshot?: { from: string; dir: string; keep: number };
  /** Members expected to be removed as dead, for people: `8e9f... (example3, http://example3:2380)`. */
  removals: string[];
  /** Add as a learner (then promote) rather than a voting member. */
  learner: boolean;
  /** The `--initial-cluster` the member would start with (IDs are only known after the add). */
  initialCluster?: string;
}

/** The plan as human lines, in the order the recovery would act. */
export function planLines(input: PlanInput): string[] {
  const lines: string[] = [];
  if (input.verdict === "recover") {
    if (input.snapshot) {
      lines.push(
        `take a snapshot from ${input.snapshot.from} into ${input.snapshot.dir} (keeping the newest ` +
          `${input.snapshot.keep})`,
      );
    }
    lines.push(
      input.running
        ? `scale Deployment ${input.deployment} to 0 and wait until its Pod is gone`
        : `Deployment ${input.deployment} is already stopped (0 replicas, no Pod)`,
    );
    for (const removal of input.removals) lines.push(`remove dead member ${removal}`);
    lines.push(`add ${input.memberName} (${input.peerURL}) as ${input.learner ? "a learner" : "a voting member"}`);
    lines.push(
      `set --initial-cluster=${input.initialCluster ?? "(the member list after the add)"} and ` +
        `--initial-cluster-state=existing on Deployment ${input.deployment}`,
    );
    lines.push(`scale Deployment ${input.deployment} to 1 and wait until ${input.memberName} answers`);
    if (input.learner) lines.push(`promote learner ${input.memberName} to a voting member`);
  } else if (input.verdict === "resume-promote") {
    lines.push(`promote learner ${input.memberName} to a voting member (an earlier recovery started it)`);
  }
  lines.push(
    "verify: every member votes and answers with the same leader, the Pod is Ready, and hashKV is equal on all members",
  );
  return lines;
}
