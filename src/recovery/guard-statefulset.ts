import type { V1StatefulSet } from "@kubernetes/client-node";
import { UnsafeRecoveryError } from "../core/errors.js";
import type { MemberList } from "../gateways/etcd/etcd-gateway.js";
import { describeEntry } from "./cluster-view.js";
import { samePeerURL } from "./decisions/members.js";
import { strategyType } from "./decisions/statefulset-hold.js";
import type { Diagnosis } from "./diagnose.js";
import type { RecoveryRun } from "./recovery-run.js";

/**
 * Guard's StatefulSet checks. Before the recovery holds it, the StatefulSet must not be in the middle of a rollout
 * (its current and update revisions equal): a template change now would roll healthy members while one is down.
 * Once held, it must still be held (OnDelete): Helm or GitOps putting the template back mid-recovery would roll
 * every Pod, so the recovery stops there and says so.
 */
export function checkStatefulSet(diagnosis: Diagnosis): void {
  const set = diagnosis.member.object as V1StatefulSet | undefined;
  const name = set?.metadata?.name ?? "(unknown)";
  if (!set) return;
  if (diagnosis.heldForThisMember) {
    if (strategyType(set) !== "OnDelete") {
      throw new UnsafeRecoveryError(
        "statefulset-changed",
        `StatefulSet ${name} was changed during the recovery: its update strategy is ${strategyType(set)}, not the ` +
          `OnDelete the recovery set (Helm or GitOps may have put the template back); check that no healthy Pod is ` +
          `rolling, then run again`,
      );
    }
    return;
  }
  const { currentRevision, updateRevision } = set.status ?? {};
  if (currentRevision && updateRevision && currentRevision !== updateRevision) {
    throw new UnsafeRecoveryError(
      "rollout-in-progress",
      `StatefulSet ${name} is in the middle of a rollout (current revision ${currentRevision}, update revision ` +
        `${updateRevision}): changing its template now could restart healthy members while one is down; let the ` +
        `rollout finish (or roll it back), then run again`,
    );
  }
}

/** Refuses when the list holds a learner other than the member being recovered: etcd allows one at a time. */
export function refuseOtherLearner(list: MemberList, run: RecoveryRun): void {
  const { ctx } = run;
  if (ctx.member.workload.kind !== "StatefulSet") return;
  const learner = list.members.find(
    (m) => m.isLearner && !m.peerURLs.some((url) => samePeerURL(url, ctx.member.peerURL)),
  );
  if (!learner) return;
  throw new UnsafeRecoveryError(
    "learner-present",
    `etcd lists learner ${describeEntry(learner, ctx.cluster.members)}, and a cluster takes one learner at a time: ` +
      `promote it or remove it (etcdctl member promote/remove), then run again`,
  );
}
