import type { StatefulSetMemberWorkload } from "../core/config/types.js";
import { RECOVERY_UNDER_WAY_ANNOTATION, STATEFULSET_POD_NAME_LABEL } from "../core/labels.js";
import { readOriginal, releaseHold } from "./decisions/statefulset-hold.js";
import type { Plan } from "./guard.js";
import { currentPod } from "./pods.js";
import { seconds } from "./report.js";
import type { RecoveryRun, StepOutcome } from "./recovery-run.js";
import { markIsOwn, readUnderWay } from "./under-way.js";
import { verifyMember } from "./verify.js";
import { REVISION_LABEL, settledRevision } from "./statefulset-revision.js";

/**
 * StatefulSet step Restore, once every member is healthy: put the recorded etcd container and update strategy back
 * and take the mark away, in one write. The template is then the one the healthy Pods were made from (the StatefulSet
 * reuses its revision), so only the recovered Pod is stale: it alone is restarted, and the cluster verified again.
 * With data in its claim, the restarted member ignores the initial cluster settings it now gets.
 */
export async function restoreStatefulSet(
  run: RecoveryRun,
  plan: Plan,
  workload: StatefulSetMemberWorkload,
): Promise<StepOutcome> {
  const { ctx } = run;
  const namespace = ctx.cluster.namespace;
  const startedAt = ctx.clock.now();
  const set = await ctx.kubernetes.readStatefulSet(namespace, workload.name);
  if (!set) throw new Error(`StatefulSet ${workload.name} in ${namespace} disappeared during the recovery`);
  const mark = readUnderWay(set);
  const original = readOriginal(set);
  if (mark && !markIsOwn(mark, ctx)) return { outcome: "skipped", detail: "another member's recovery holds it" };
  const actions: string[] = [];
  if (original || mark) {
    await ctx.kubernetes.updateStatefulSet(namespace, workload.name, (latest) => {
      releaseHold(latest);
      delete latest.metadata?.annotations?.[RECOVERY_UNDER_WAY_ANNOTATION];
    });
    run.markChanged();
    if (original) {
      actions.push(
        `put StatefulSet ${workload.name} back: its etcd container and update strategy ` +
          `${original.updateStrategy?.type ?? "RollingUpdate"}`,
      );
    }
  }

  const revision = await settledRevision(run, workload);
  const selector = `${STATEFULSET_POD_NAME_LABEL}=${workload.pod}`;
  const { pods } = await ctx.kubernetes.listPods(namespace, selector);
  const pod = currentPod(pods.filter((p) => !p.metadata?.deletionTimestamp));
  const uid = pod?.metadata?.uid;
  if (pod && uid && pod.metadata?.labels?.[REVISION_LABEL] !== revision) {
    // The controller itself replaces it under RollingUpdate; deleting it first changes nothing there.
    await ctx.kubernetes.deletePod(namespace, workload.pod, uid);
    actions.push(`restarted Pod ${workload.pod} from the restored template`);
    await ctx.kubernetes.waitForPods(
      namespace,
      selector,
      (current) =>
        current.find(
          (p) =>
            p.metadata?.uid !== uid &&
            !p.metadata?.deletionTimestamp &&
            p.metadata?.labels?.[REVISION_LABEL] === revision,
        ),
      `Pod ${workload.pod} to be made again from the restored template`,
      run.timeoutMs,
    );
  }
  if (actions.length === 0) return { outcome: "skipped", detail: `StatefulSet ${workload.name} is as it was` };
  const verified = await verifyMember(run, plan);
  const detail = `${actions.join("; ")}; verified again: ${verified}; in ${seconds(ctx.clock.now() - startedAt)}`;
  return {
    outcome: "done",
    detail,
    event: {
      type: "Normal",
      reason: "StatefulSetRestored",
      message: `Put StatefulSet ${workload.name} back as it was before the recovery of member ${ctx.member.name}`,
    },
  };
}
