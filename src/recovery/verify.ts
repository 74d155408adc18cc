import { isPodReady } from "../gateways/kubernetes/pods.js";
import { messageOf } from "../core/errors.js";
import type { V1Pod } from "@kubernetes/client-node";
import { viewCluster, describeEntry } from "./cluster-view.js";
import { hexId } from "./decisions/members.js";
import { describeMemberRunner, memberPodSelector, readWorkload } from "./member-workload.js";
import { seconds } from "./report.js";
import type { Plan } from "./guard.js";
import type { RecoveryRun, StepOutcome } from "./recovery-run.js";
import { clearUnderWay } from "./under-way.js";
import { pollUntil } from "./waits.js";

/**
 * Step 10, Verify: every listed member votes and answers with the same leader, the member's Pod is Ready,
 * and every member has the same key-space hash at one revision. A member still catching up is waited for.
 */
export async function verify(run: RecoveryRun, plan: Plan): Promise<StepOutcome> {
  const { ctx } = run;
  const detail = await verifyMember(run, plan);
  // Verified: a Deployment member is no longer under recovery; a StatefulSet stays marked until Restore.
  if (ctx.member.workload.kind === "Deployment") await clearUnderWay(ctx);
  return {
    outcome: "done",
    detail,
    event: {
      type: "Normal",
      reason: "RecoveryVerified",
      message: `etcd member ${ctx.member.name} recovered: ${detail}`,
    },
  };
}

/**
 * The checks of Verify, waited for until they pass or the deadline: every listed member votes and answers with the
 * same leader, the member's Pod is Ready, and every member has the same key-space hash at one revision. Answers
 * what was seen, in one line.
 */
export async function verifyMember(run: RecoveryRun, plan: Plan): Promise<string> {
  const { ctx } = run;
  const startedAt = ctx.clock.now();
  const poll = (what: string) => ({
    clock: ctx.clock,
    what,
    timeoutMs: run.timeoutMs,
    intervalMs: run.tuning.pollIntervalMs,
  });

  // The Pod's readiness probe and etcd's catching up are independent: wait for both at once.
  const podReady = waitForReadyPod(run);
  podReady.catch(() => undefined);
  const agreed = await pollUntil(async (observe) => {
    const view = await viewCluster(ctx, plan.clusterId).catch((error: unknown) => {
      observe(messageOf(error));
      return undefined;
    });
    if (!view) return undefined;
    const learner = view.list.members.find((m) => m.isLearner);
    if (learner) {
      observe(`member ${describeEntry(learner, ctx.cluster.members)} is a learner`);
      return undefined;
    }
    const urls: string[] = [];
    const leaders = new Set<string>();
    for (const entry of view.list.members) {
      const status = view.probes.find(
        (p) => p.status?.memberId === entry.id && p.status.clusterId === view.clusterId,
      )?.status;
      if (!status || status.leader === "0") {
        observe(
          `member ${describeEntry(entry, ctx.cluster.members)} ${status ? "knows no leader" : "does not answer"}`,
        );
        return undefined;
      }
      leaders.add(status.leader);
      urls.push(status.clientURL);
    }
    if (leaders.size !== 1) {
      observe(`members name different leaders: ${[...leaders].map(hexId).join(", ")}`);
      return undefined;
    }
    return { urls, leader: [...leaders][0] ?? "0", members: view.list.members.length };
  }, poll("every member to vote and answer with the same leader"));

  const hash = await pollUntil(async (observe) => {
    try {
      const [first, ...rest] = agreed.urls;
      if (first === undefined) return undefined;
      const reference = await ctx.etcd.hashKV(first);
      const revision = Number(reference.revision);
      const hashes = await Promise.all([first, ...rest].map((url) => ctx.etcd.hashKV(url, revision)));
      const distinct = new Set(hashes.map((h) => h.hash));
      if (distinct.size === 1) return { hash: reference.hash, revision };
      observe(
        `hashes differ at revision ${revision}: ${hashes.map((h, i) => `${[first, ...rest][i]}=${h.hash}`).join(", ")}`,
      );
    } catch (error) {
      // A member behind the revision answers "future revision": it is still catching up.
      observe(messageOf(error));
    }
    return undefined;
  }, poll("every member to have the same key-space hash"));

  const ready = await podReady;

  const configured = ctx.cluster.members.length;
  const detail =
    `${agreed.members} voting members answer with leader ${hexId(agreed.leader)}; Pod ${ready.metadata?.name} Ready; ` +
    `hashKV ${hash.hash} at revision ${hash.revision} on all; verified in ${seconds(ctx.clock.now() - startedAt)}` +
    (agreed.members < configured
      ? ` (${configured - agreed.members} configured member${configured - agreed.members > 1 ? "s are" : " is"} not ` +
        `in the list: recover ${configured - agreed.members > 1 ? "them" : "it"} next)`
      : "");
  return detail;
}

async function waitForReadyPod(run: RecoveryRun): Promise<V1Pod> {
  const { ctx } = run;
  const namespace = ctx.cluster.namespace;
  const { workload } = ctx.member;
  const object = await readWorkload(ctx.kubernetes, namespace, ctx.member);
  if (!object) throw new Error(`${workload.kind} ${workload.name} in ${namespace} disappeared during the recovery`);
  return ctx.kubernetes.waitForPods(
    namespace,
    memberPodSelector(ctx.member, object),
    (pods) => pods.find((pod) => !pod.metadata?.deletionTimestamp && isPodReady(pod)),
    `${workload.kind === "Deployment" ? "a Pod of " : ""}${describeMemberRunner(workload)} to be Ready`,
    run.timeoutMs,
  );
}
