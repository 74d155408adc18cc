import type { V1Pod } from "@kubernetes/client-node";
import type { StatefulSetMemberWorkload } from "../core/config/types.js";
import { STATEFULSET_POD_NAME_LABEL } from "../core/labels.js";
import type { Added } from "./add.js";
import { ensureMemberDoesNotAnswer } from "./claim-safety.js";
import { claimWipeReason } from "./decisions/claim-renewal.js";
import { findStaleDataSign } from "./decisions/classify.js";
import { holdForRecovery } from "./decisions/statefulset-hold.js";
import type { Plan } from "./guard.js";
import { currentPod, findEtcdContainer, podWaitingForOldClaim } from "./pods.js";
import { seconds } from "./report.js";
import type { RecoveryRun, StepOutcome } from "./recovery-run.js";
import { MemberPodCrashedError, waitUntilMemberAnswers } from "./start.js";
import { REVISION_LABEL, settledRevision } from "./statefulset-revision.js";

/**
 * StatefulSet step Start: make sure the template carries exactly the initial cluster MemberAdd answered, then delete
 * the member's Pod so the StatefulSet makes it again from the held template, and wait until the member answers.
 * The member's claim is deleted with it only when its data dir holds a write-ahead log the cluster no longer knows
 * (a sign in the log, before Remove or after it), or when the configuration says so; never while the member answers,
 * never while quorum is at risk. Once the old claim is gone, a Pod that waits for it is deleted once more.
 */
export async function startStatefulSetPod(
  run: RecoveryRun,
  plan: Plan,
  added: Added | undefined,
  workload: StatefulSetMemberWorkload,
): Promise<StepOutcome> {
  const { ctx } = run;
  if (!added) return { outcome: "skipped", detail: "the member is already running" };
  const namespace = ctx.cluster.namespace;
  const startedAt = ctx.clock.now();

  const held = await ctx.kubernetes.updateStatefulSet(namespace, workload.name, (latest) => {
    holdForRecovery(latest, added.initialCluster);
  });
  const updateRevision = await settledRevision(run, workload);
  const selector = `${STATEFULSET_POD_NAME_LABEL}=${workload.pod}`;
  const { pods } = await ctx.kubernetes.listPods(namespace, selector);
  const pod = currentPod(pods);
  const container = findEtcdContainer(held.spec?.template?.spec?.containers ?? [])?.name;

  let wipe = await claimDeletion(run, plan, pod, container);
  const actions: string[] = [];
  let ignoreUid: string | undefined;
  const current = pod && !pod.metadata?.deletionTimestamp && pod.metadata?.labels?.[REVISION_LABEL] === updateRevision;
  if (current && !wipe) {
    actions.push(`Pod ${workload.pod} already runs the held template (an earlier attempt deleted it)`);
  } else {
    ignoreUid = await replacePod(run, plan, { workload, selector, pod, memberId: added.memberId, wipe, actions });
  }

  const wait = {
    ...(added.memberId !== undefined ? { memberId: added.memberId } : {}),
    selector,
    ...(container ? { container } : {}),
    pods: `Pod ${workload.pod}`,
  };
  let started: { pod: string; runningAfterMs: number };
  try {
    started = await waitUntilMemberAnswers(run, plan, { ...wait, ...(ignoreUid ? { ignoreUid } : {}) });
  } catch (error) {
    // Between Remove and the delete, the old Pod, still with state new, can write a write-ahead log of its own into
    // the claim; the new Pod then starts under the removed ID. Seen once in the new Pod's log: empty the claim.
    const stale = error instanceof MemberPodCrashedError && !wipe ? findStaleDataSign(error.log) : undefined;
    if (!stale || !(error instanceof MemberPodCrashedError)) throw error;
    wipe = `the new Pod started on a write-ahead log the cluster no longer knows: ${stale.line}`;
    const crashed = (await ctx.kubernetes.listPods(namespace, selector)).pods.find(
      (p) => p.metadata?.name === error.pod && !p.metadata?.deletionTimestamp,
    );
    const replaced = await replacePod(run, plan, {
      workload,
      selector,
      pod: crashed,
      memberId: added.memberId,
      wipe,
      actions,
    });
    started = await waitUntilMemberAnswers(run, plan, { ...wait, ...(replaced ? { ignoreUid: replaced } : {}) });
  }
  const detail = [
    ...actions,
    `Pod ${started.pod} Running after ${seconds(started.runningAfterMs)}`,
    `member answers after ${seconds(ctx.clock.now() - startedAt)}`,
  ].join("; ");
  return {
    outcome: "done",
    detail,
    event: {
      type: "Normal",
      reason: "MemberStarted",
      message:
        `Started etcd member ${ctx.member.name} (Pod ${started.pod}) with initial cluster state existing` +
        (wipe ? ` on an empty PersistentVolumeClaim ${workload.claim}` : ""),
    },
  };
}

/** What replacing the member's Pod works on. */
interface PodReplacement {
  workload: StatefulSetMemberWorkload;
  /** Selects the member's Pod. */
  selector: string;
  /** The Pod to replace, as last seen; undefined when there is none. */
  pod: V1Pod | undefined;
  /** The ID the member was added under, if the recovery added it. */
  memberId: string | undefined;
  /** Why the claim is deleted too; undefined keeps it. */
  wipe: string | undefined;
  /** Receives what was done, for people. */
  actions: string[];
}

/**
 * Deletes the member's Pod, and first its claim when `wipe` says why, checking that the member does not answer (and,
 * before a claim goes, that quorum holds). With a claim deleted, waits until it is gone, then deletes once more a
 * Pod made while it was still being deleted. Answers the UID of the Pod deleted, if one was.
 */
async function replacePod(run: RecoveryRun, plan: Plan, replacement: PodReplacement): Promise<string | undefined> {
  const { ctx } = run;
  const { workload, selector, pod, wipe, actions } = replacement;
  const namespace = ctx.cluster.namespace;
  await ensureMemberDoesNotAnswer(run, plan, replacement.memberId, wipe !== undefined);
  const claim = wipe ? await ctx.kubernetes.readPersistentVolumeClaim(namespace, workload.claim) : undefined;
  const claimUid = claim?.metadata?.uid;
  if (wipe && claimUid && (await ctx.kubernetes.deletePersistentVolumeClaim(namespace, workload.claim, claimUid))) {
    run.markChanged();
    actions.push(`deleted PersistentVolumeClaim ${workload.claim} (${wipe})`);
  }
  const uid = pod?.metadata?.uid;
  const deleted = uid !== undefined && (await ctx.kubernetes.deletePod(namespace, workload.pod, uid));
  if (deleted) {
    run.markChanged();
    actions.push(`deleted Pod ${workload.pod}`);
  }
  if (wipe && claimUid) {
    await ctx.kubernetes.waitForClaimGone(namespace, workload.claim, claimUid, run.timeoutMs);
    const again = await deletePodWaitingForOldClaim(run, workload, selector, uid);
    if (again) actions.push(again);
  }
  return deleted ? uid : undefined;
}

/**
 * Why the member's claim is to be deleted, or undefined to keep it: the configuration says so, or a log (Diagnose's,
 * or the Pod's now, after Remove) shows the data dir holds a write-ahead log the cluster no longer knows.
 */
async function claimDeletion(
  run: RecoveryRun,
  plan: Plan,
  pod: V1Pod | undefined,
  container: string | undefined,
): Promise<string | undefined> {
  const { ctx } = run;
  const before = claimWipeReason(ctx.cluster.deleteClaim, plan.diagnosis.member.log);
  if (before) return before;
  const name = pod?.metadata?.name;
  if (!name) return undefined;
  for (const previous of [false, true]) {
    const log = await ctx.kubernetes
      .readPodLog(ctx.cluster.namespace, name, {
        ...(container ? { container } : {}),
        previous,
        tailLines: run.tuning.logTailLines,
      })
      .catch(() => "");
    const after = findStaleDataSign(log);
    if (after) return `after the member was removed, its data dir got a write-ahead log of its own: ${after.line}`;
  }
  return undefined;
}

/**
 * After the old claim is gone: deletes a Pod that waits for it (see `podWaitingForOldClaim`), so the StatefulSet
 * makes it again with a new claim. Answers what was done, if anything.
 */
async function deletePodWaitingForOldClaim(
  run: RecoveryRun,
  workload: StatefulSetMemberWorkload,
  selector: string,
  deletedUid: string | undefined,
): Promise<string | undefined> {
  const { ctx } = run;
  const { pods } = await ctx.kubernetes.listPods(ctx.cluster.namespace, selector);
  const uid = podWaitingForOldClaim(pods, deletedUid)?.metadata?.uid;
  if (!uid || !(await ctx.kubernetes.deletePod(ctx.cluster.namespace, workload.pod, uid))) return undefined;
  return `deleted Pod ${workload.pod} again: it was made while the old claim was being deleted and would wait for it`;
}
