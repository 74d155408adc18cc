import { claimOfDeployment } from "./member-layout.js";
import { memberPodSelector, type WorkloadObject } from "./member-workload.js";
import { claimRenewalToRecord, recordedClaimRenewal } from "./renew-claim.js";
import { seconds } from "./report.js";
import { markUnderWay } from "./under-way.js";
import type { Plan } from "./guard.js";
import type { RecoveryRun, StepOutcome } from "./recovery-run.js";

/**
 * Step 5, Stop: scale the member's Deployment to 0 and wait until no Pod of it is left (gone, not just
 * Terminating), so the old process can neither answer nor rejoin. The Deployment itself stays.
 */
export async function stop(run: RecoveryRun, plan: Plan, name: string): Promise<StepOutcome> {
  const { ctx } = run;
  if (plan.diagnosis.verdict !== "recover")
    return { outcome: "skipped", detail: "resuming with the new member running" };
  const namespace = ctx.cluster.namespace;
  const deployment = await ctx.kubernetes.readDeployment(namespace, name);
  if (!deployment) throw new Error(`Deployment ${name} in ${namespace} disappeared during the recovery`);
  const selector = memberPodSelector(ctx.member, deployment);

  const startedAt = ctx.clock.now();
  // The mark comes first: whatever happens after it, every later run knows the member was changed. A claim to empty
  // is recorded with it, while the log that says why is still at hand.
  const renewal = await claimRenewalToRecord(run, plan, deployment);
  const marked = await markUnderWay(ctx, deployment, renewal?.record);
  run.markChanged();
  if (renewal) {
    run.progress(
      `PersistentVolumeClaim ${renewal.renewal.claim} is to be emptied before the member starts again ` +
        `(${renewal.renewal.reason}); recorded on Deployment ${name}`,
    );
  }
  const scale = (deployment.spec?.replicas ?? 1) !== 0;
  if (scale) {
    await ctx.kubernetes.scaleDeployment(namespace, name, 0);
    run.markChanged();
  }
  // The wait's first look is the list of Pods left; the changes after it come from the watch.
  let sawPods = false;
  await ctx.kubernetes.waitForPods(
    namespace,
    selector,
    (pods) => {
      if (pods.length === 0) return true;
      if (!sawPods) run.progress(`waiting for ${pods.map((p) => p.metadata?.name).join(", ")} to be gone`);
      sawPods = true;
      return undefined;
    },
    `every Pod of Deployment ${name} to be gone`,
    run.timeoutMs,
  );
  if (!scale && !sawPods)
    return { outcome: "skipped", detail: `Deployment ${name} is already at 0 replicas and has no Pod` };
  const after = seconds(ctx.clock.now() - startedAt);
  const detail =
    `${scale ? `scaled Deployment ${name} to 0` : `Deployment ${name} was already at 0`}; Pod gone ` + `after ${after}`;
  return {
    outcome: "done",
    detail,
    event: { type: "Normal", reason: "MemberStopped", message: `${detail} (${dataFate(marked)})` },
  };
}

/** What stopping does to the member's data, for the Event. */
function dataFate(deployment: WorkloadObject): string {
  const claim = claimOfDeployment(deployment);
  if (claim === undefined) return "the member's data is wiped with its Pod";
  return recordedClaimRenewal(deployment) === undefined
    ? `the member's data stays on PersistentVolumeClaim ${claim}`
    : `PersistentVolumeClaim ${claim} is emptied before the member starts again`;
}
