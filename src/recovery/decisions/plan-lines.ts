/** What the plan of a recovery is made from (all known after Diagnose and Guard). */
export interface PlanInput {
  /** The diagnosis verdict that leads to acting. */
  verdict: "recover" | "resume-promote" | "resume-verify";
  /** What runs the member: its Deployment, or a Pod of a StatefulSet (with the claim that holds its data). */
  workload: { kind: "Deployment"; name: string } | { kind: "StatefulSet"; name: string; pod: string; claim: string };
  /** The member's etcd name. */
  memberName: string;
  /** The member's peer URL. */
  peerURL: string;
  /** Whether the Deployment still has replicas or Pods to stop (Deployment members). */
  running: boolean;
  /** Where the snapshot would come from and go; undefined when snapshots are off. */
  snapshot?: { from: string; dir: string; keep: number };
  /** Members expected to be removed as dead, for people: `8e9f... (example3, http://example3:2380)`. */
  removals: string[];
  /** Add as a learner (then promote) rather than a voting member. */
  learner: boolean;
  /** The member's own start scripts add it (as a voting member); the recovery adds nothing. */
  joinsByItself?: boolean;
  /** The `--initial-cluster` the member would start with (IDs are only known after the add). */
  initialCluster?: string;
  /** A Deployment member's claim to empty before it starts again, and why. */
  claimRenewal?: { claim: string; reason: string };
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
    const initialCluster = input.initialCluster ?? "(the member list after the add)";
    const { workload } = input;
    if (workload.kind === "Deployment") {
      lines.push(
        input.running
          ? `scale Deployment ${workload.name} to 0 and wait until its Pod is gone`
          : `Deployment ${workload.name} is already stopped (0 replicas, no Pod)`,
      );
    } else {
      lines.push(
        `switch StatefulSet ${workload.name} to the OnDelete update strategy and set its initial cluster to ` +
          `${initialCluster} with state existing (for the recovery only)`,
      );
    }
    for (const removal of input.removals) lines.push(`remove dead member ${removal}`);
    lines.push(
      input.joinsByItself
        ? `leave adding ${input.memberName} (${input.peerURL}) to its own start scripts (a voting member)`
        : `add ${input.memberName} (${input.peerURL}) as ${input.learner ? "a learner" : "a voting member"}`,
    );
    if (workload.kind === "Deployment") {
      if (input.claimRenewal) {
        const { claim, reason } = input.claimRenewal;
        lines.push(`delete PersistentVolumeClaim ${claim} and make it again, empty, with the same spec (${reason})`);
      }
      lines.push(
        `set --initial-cluster=${initialCluster} and --initial-cluster-state=existing on Deployment ${workload.name}`,
      );
      lines.push(`scale Deployment ${workload.name} to 1 and wait until ${input.memberName} answers`);
    } else {
      lines.push(
        `delete Pod ${workload.pod} (and PersistentVolumeClaim ${workload.claim} when its data dir holds a ` +
          `write-ahead log the cluster no longer knows) and wait until ${input.memberName} answers`,
      );
    }
    if (input.learner) lines.push(`promote learner ${input.memberName} to a voting member`);
  } else if (input.verdict === "resume-promote") {
    lines.push(`promote learner ${input.memberName} to a voting member (an earlier recovery started it)`);
  }
  lines.push(
    "verify: every member votes and answers with the same leader, the Pod is Ready, and hashKV is equal on all members",
  );
  if (input.workload.kind === "StatefulSet") {
    lines.push(
      `put StatefulSet ${input.workload.name}'s template and update strategy back, restart Pod ${input.workload.pod} ` +
        `alone and verify again`,
    );
  }
  return lines;
}
