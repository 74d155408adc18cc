import type { V1Deployment } from "@kubernetes/client-node";
import { RENEW_CLAIM_ANNOTATION } from "../core/labels.js";
import { ensureMemberDoesNotAnswer } from "./claim-safety.js";
import {
  type ClaimRenewal,
  claimRenewalOf,
  claimWipeReason,
  emptyClaimOf,
  formatClaimRenewal,
  nextClaimRenewalStep,
  parseClaimRenewal,
} from "./decisions/claim-renewal.js";
import type { Plan } from "./guard.js";
import { claimOfDeployment } from "./member-layout.js";
import { memberPodSelector, type WorkloadObject } from "./member-workload.js";
import type { RecoveryRun } from "./recovery-run.js";

/** The renewal an earlier step recorded on the Deployment, if any. */
export function recordedClaimRenewal(object: WorkloadObject | undefined): ClaimRenewal | undefined {
  const value = object?.metadata?.annotations?.[RENEW_CLAIM_ANNOTATION];
  return value === undefined ? undefined : parseClaimRenewal(value);
}

/**
 * For Stop: when the member's Deployment mounts a claim and the wipe rule says to empty it (see `claimWipeReason`),
 * a change that records the claim as it is now, to make in the same write as the recovery's mark; undefined when
 * there is nothing to record, or a renewal is recorded already (an earlier attempt's, which may have deleted the
 * claim since).
 */
export async function claimRenewalToRecord(
  run: RecoveryRun,
  plan: Plan,
  deployment: V1Deployment,
): Promise<{ renewal: ClaimRenewal; record: (latest: WorkloadObject) => void } | undefined> {
  const { ctx } = run;
  const name = claimOfDeployment(deployment);
  if (name === undefined || recordedClaimRenewal(deployment)) return undefined;
  const reason = claimWipeReason(ctx.cluster.deleteClaim, plan.diagnosis.member.log);
  if (reason === undefined) return undefined;
  const claim = await ctx.kubernetes.readPersistentVolumeClaim(ctx.cluster.namespace, name);
  if (!claim)
    throw new Error(`PersistentVolumeClaim ${name}, which Deployment ${deployment.metadata?.name} mounts, is missing`);
  const renewal = claimRenewalOf(claim, reason);
  return {
    renewal,
    record: (latest) => {
      const annotations = ((latest.metadata ??= {}).annotations ??= {});
      annotations[RENEW_CLAIM_ANNOTATION] ??= formatClaimRenewal(renewal);
    },
  };
}

/**
 * For Start, before the Deployment is scaled up: carries out a renewal recorded on the Deployment. With no Pod of the
 * Deployment left, the member not answering and quorum holding without it, deletes the old claim (UID precondition),
 * waits until it is gone (a claim in use stays until its Pods are), and creates it again, empty, with the same name,
 * labels and spec. Each part looks first, so a run killed anywhere in between finishes it. Answers what was done,
 * for people; undefined when nothing was recorded. The record goes in Start's scale-up write.
 */
export async function renewRecordedClaim(
  run: RecoveryRun,
  plan: Plan,
  deployment: V1Deployment,
  memberId: string | undefined,
): Promise<string | undefined> {
  const { ctx } = run;
  const renewal = recordedClaimRenewal(deployment);
  if (!renewal) return undefined;
  const namespace = ctx.cluster.namespace;
  const { claim } = renewal;
  const current = await ctx.kubernetes.readPersistentVolumeClaim(namespace, claim);
  const step = nextClaimRenewalStep(renewal, current?.metadata);
  if (step === "done") return `PersistentVolumeClaim ${claim} was already made again (an earlier attempt)`;
  const actions: string[] = [];
  if (step === "delete") {
    const selector = memberPodSelector(ctx.member, deployment);
    const { pods } = await ctx.kubernetes.listPods(namespace, selector);
    if (pods.length > 0) {
      throw new Error(
        `Deployment ${deployment.metadata?.name} still has Pod ${pods.map((p) => p.metadata?.name).join(", ")}; ` +
          `PersistentVolumeClaim ${claim} is left alone: run again`,
      );
    }
    await ensureMemberDoesNotAnswer(run, plan, memberId, true);
    const deleted = await ctx.kubernetes.deletePersistentVolumeClaim(namespace, claim, renewal.uid);
    if (deleted) run.markChanged();
    actions.push(
      deleted
        ? `deleted PersistentVolumeClaim ${claim} (${renewal.reason})`
        : `PersistentVolumeClaim ${claim} went meanwhile (${renewal.reason})`,
    );
    await ctx.kubernetes.waitForClaimGone(namespace, claim, renewal.uid, run.timeoutMs);
  } else {
    actions.push(`PersistentVolumeClaim ${claim} was deleted by an earlier attempt (${renewal.reason})`);
  }
  if (await ctx.kubernetes.createPersistentVolumeClaim(namespace, emptyClaimOf(renewal, namespace))) {
    run.markChanged();
    actions.push(`created it again, empty`);
  } else {
    actions.push(`a new PersistentVolumeClaim ${claim} was there already`);
  }
  return actions.join("; ");
}
