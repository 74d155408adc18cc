import type { V1StatefulSet } from "@kubernetes/client-node";
import { holdForRecovery, readOriginal } from "./decisions/statefulset-hold.js";
import type { StatefulSetMemberWorkload } from "../core/config/types.js";
import type { Plan } from "./guard.js";
import { expectedInitialCluster } from "./plan.js";
import type { RecoveryRun, StepOutcome } from "./recovery-run.js";
import { markUnderWay } from "./under-way.js";

/**
 * StatefulSet step Hold (in place of Stop): in one write, mark the StatefulSet as under recovery, record its update
 * strategy and etcd container, switch it to OnDelete (so a template change restarts nothing) and give the template
 * the member's next start: the initial cluster the member list will have after the add, with state `existing`.
 * Healthy members ignore both settings (they have data), and under OnDelete they do not restart anyway. The
 * crash-looping Pod keeps its old spec until Start deletes it. Resumed, it keeps the first record.
 */
export async function holdStatefulSet(
  run: RecoveryRun,
  plan: Plan,
  workload: StatefulSetMemberWorkload,
): Promise<StepOutcome> {
  const { ctx } = run;
  if (plan.diagnosis.verdict !== "recover")
    return { outcome: "skipped", detail: "resuming with the new member running" };
  const namespace = ctx.cluster.namespace;
  const set = await ctx.kubernetes.readStatefulSet(namespace, workload.name);
  if (!set) throw new Error(`StatefulSet ${workload.name} in ${namespace} disappeared during the recovery`);
  const initialCluster = expectedInitialCluster(run, plan);
  let changes: string[] = [];
  // The mark and the hold go in one write: whatever happens after it, every later run knows.
  const held = (await markUnderWay(ctx, set, (latest) => {
    changes = holdForRecovery(latest as V1StatefulSet, initialCluster);
  })) as V1StatefulSet;
  run.markChanged();
  const was = readOriginal(held)?.updateStrategy?.type ?? "RollingUpdate";
  const detail =
    `held StatefulSet ${workload.name} for the recovery: update strategy OnDelete (was ${was}); ` +
    `${changes.filter((c) => !c.startsWith("update strategy")).join(", ")} set to initial cluster ${initialCluster} ` +
    `with state existing; Pod ${workload.pod} keeps running until Start`;
  return {
    outcome: "done",
    detail,
    event: {
      type: "Normal",
      reason: "StatefulSetHeld",
      message:
        `Switched StatefulSet ${workload.name} to OnDelete and set the initial cluster state to existing for the ` +
        `recovery of member ${ctx.member.name} only; both are put back once the member is healthy (a rollout by ` +
        `Helm or GitOps meanwhile is caught by the guard and by Verify)`,
    },
  };
}
