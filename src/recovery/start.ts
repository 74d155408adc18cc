import { messageOf } from "../core/errors.js";
import { setInitialCluster } from "./decisions/initial-cluster.js";
import { meaningfulLogLine } from "./decisions/classify.js";
import { findEtcdContainer, currentPod, podFacts } from "./pods.js";
import { claimOfDeployment } from "./member-layout.js";
import { memberPodSelector } from "./member-workload.js";
import { renewRecordedClaim } from "./renew-claim.js";
import { RENEW_CLAIM_ANNOTATION } from "../core/labels.js";
import { seconds } from "./report.js";
import type { Added } from "./add.js";
import type { Plan } from "./guard.js";
import type { RecoveryRun, StepOutcome } from "./recovery-run.js";
import { pollUntil } from "./waits.js";
import { isUnhealthyCluster } from "../gateways/etcd/errors.js";

/**
 * Step 8, Start: give the etcd container the new `--initial-cluster` and `--initial-cluster-state=existing`
 * (nothing else changes), scale the Deployment to 1, wait until its Pod runs and the member answers. First, a
 * claim Stop recorded to empty is deleted and made again (see `renewRecordedClaim`).
 * A learner may not pass readiness before it is promoted, so Running is what is awaited here.
 */
export async function start(
  run: RecoveryRun,
  plan: Plan,
  added: Added | undefined,
  name: string,
): Promise<StepOutcome> {
  const { ctx } = run;
  // Nothing was added: an earlier attempt got past Start, and the member runs.
  if (!added) return { outcome: "skipped", detail: "the member is already running" };
  const { initialCluster, memberId } = added;
  const namespace = ctx.cluster.namespace;
  const startedAt = ctx.clock.now();

  // A claim Stop recorded to empty is made again before the member starts on it.
  const current = await ctx.kubernetes.readDeployment(namespace, name);
  if (!current) throw new Error(`Deployment ${name} in ${namespace} disappeared during the recovery`);
  const renewed = await renewRecordedClaim(run, plan, current, memberId);

  let changes: string[] = [];
  const updated = await ctx.kubernetes.updateDeployment(namespace, name, (deployment) => {
    // The claim is there again: the record goes in the write that scales the Deployment up.
    if (renewed) delete deployment.metadata?.annotations?.[RENEW_CLAIM_ANNOTATION];
    const containers = deployment.spec?.template?.spec?.containers ?? [];
    const container = findEtcdContainer(containers);
    if (!container) throw new Error(`Deployment ${name} has no container`);
    const rewrite = setInitialCluster(container, initialCluster);
    containers[containers.indexOf(container)] = rewrite.container;
    changes = rewrite.changes;
    // Scaled back up in the same write: one rollout instead of two.
    if (deployment.spec) deployment.spec.replicas = 1;
  });
  run.markChanged();
  run.progress(
    `set ${changes.join(", ")} on Deployment ${name}: --initial-cluster=${initialCluster} ` +
      `--initial-cluster-state=existing`,
  );

  const selector = memberPodSelector(ctx.member, updated);
  const container = findEtcdContainer(updated.spec?.template?.spec?.containers ?? [])?.name;
  const started = await waitUntilMemberAnswers(run, plan, {
    memberId,
    selector,
    ...(container ? { container } : {}),
    pods: `a Pod of Deployment ${name}`,
  });
  const detail =
    (renewed ? `${renewed}; ` : "") +
    `scaled Deployment ${name} to 1; Pod ${started.pod} Running after ${seconds(started.runningAfterMs)}; member ` +
    `answers after ${seconds(ctx.clock.now() - startedAt)}`;
  return {
    outcome: "done",
    detail,
    event: {
      type: "Normal",
      reason: "MemberStarted",
      message:
        `Started etcd member ${ctx.member.name} with --initial-cluster-state=existing (Pod ${started.pod})` +
        (renewed ? ` on an empty PersistentVolumeClaim ${claimOfDeployment(updated) ?? ""}` : ""),
    },
  };
}

/** Which Pod to wait for, and as which member it must answer. */
export interface MemberStartWait {
  /** The etcd ID the member was added under; undefined: any ID in the cluster (its own scripts add it). */
  memberId?: string;
  /** Selects the member's Pods. */
  selector: string;
  /** The etcd container's name, when known. */
  container?: string;
  /** The Pods awaited, for messages: `a Pod of Deployment example-2`. */
  pods: string;
  /** A Pod to leave out (the one just deleted, by UID). */
  ignoreUid?: string;
}

/**
 * Waits until a Pod the selector picks runs its etcd container and the member answers at its client URL as member
 * `memberId` of the plan's cluster. Asks etcd from the start rather than after the Pod shows Running: the member
 * answers moments after its process starts, and the two waits overlap. Throws, quoting the log, when the new Pod
 * crashes twice.
 */
export async function waitUntilMemberAnswers(
  run: RecoveryRun,
  plan: Plan,
  wait: MemberStartWait,
): Promise<{ pod: string; runningAfterMs: number }> {
  const { ctx } = run;
  const startedAt = ctx.clock.now();
  const { clusterId } = plan;
  let podCrashed = false;
  const answering = pollUntil(
    async (observe) => {
      if (podCrashed) return false;
      try {
        const status = await ctx.etcd.status(ctx.member.clientURL);
        // Added by its own scripts, the member is whichever voting member answers there for the cluster.
        const ours = wait.memberId === undefined ? !status.isLearner : status.memberId === wait.memberId;
        if (ours && status.clusterId === clusterId) return true;
        observe(`${ctx.member.clientURL} answers as member ${status.memberId} of cluster ${status.clusterId}`);
      } catch (error) {
        observe(messageOf(error));
      }
      return undefined;
    },
    {
      clock: ctx.clock,
      what: `member ${ctx.member.name} to answer at ${ctx.member.clientURL}`,
      timeoutMs: run.timeoutMs,
      intervalMs: run.tuning.pollIntervalMs,
    },
  );
  answering.catch(() => undefined);
  // The Pod is watched until the member answers: a Pod that runs, then crashes again, is seen too.
  let runningAt: number | undefined;
  let podName = "(none yet)";
  // One crash can be a peer that was not reachable yet; a second one rarely is, and waiting would not fix it.
  let crashesAllowed = 1;
  for (;;) {
    const calledOff = new AbortController();
    const crashed = ctx.kubernetes.waitForPods(
      ctx.cluster.namespace,
      wait.selector,
      (pods) => {
        const pod = currentPod(
          pods.filter((p) => p.metadata?.uid !== wait.ignoreUid && !p.metadata?.deletionTimestamp),
        );
        if (!pod) return undefined;
        const facts = podFacts(pod, wait.container);
        podName = facts.name;
        if (facts.state === "running") runningAt ??= ctx.clock.now();
        return facts.crashLooping && facts.restartCount > crashesAllowed ? facts : undefined;
      },
      `${wait.pods} to run and member ${ctx.member.name} to answer`,
      run.timeoutMs,
      calledOff.signal,
    );
    crashed.catch(() => undefined);
    const crash = await Promise.race([answering.then(() => undefined), crashed]);
    calledOff.abort(new Error("the member answers"));
    if (crash === undefined) break;
    const log = await ctx.kubernetes
      .readPodLog(ctx.cluster.namespace, crash.name, {
        ...(wait.container ? { container: wait.container } : {}),
        previous: true,
        tailLines: run.tuning.logTailLines,
      })
      .catch(() => "");
    // A member that adds itself is refused while etcd's strict reconfiguration check waits for its peers to have
    // been connected for a while after the removal; its scripts try again at the next restart.
    if (wait.memberId === undefined && isUnhealthyCluster(meaningfulLogLine(log) ?? "")) {
      run.progress(`Pod ${crash.name} restarted: etcd refused its own add for now (unhealthy cluster); waiting on`);
      crashesAllowed = crash.restartCount + 1;
      continue;
    }
    podCrashed = true;
    throw new MemberPodCrashedError(crash.name, log);
  }
  return { pod: podName, runningAfterMs: (runningAt ?? ctx.clock.now()) - startedAt };
}

/** The member's new Pod crashed again and again before the member answered. */
export class MemberPodCrashedError extends Error {
  override readonly name = "MemberPodCrashedError";

  constructor(
    /** The Pod that crashed. */
    readonly pod: string,
    /** Its previous run's log. */
    readonly log: string,
  ) {
    super(`the new Pod ${pod} crashed: ${meaningfulLogLine(log) ?? "(no log)"}`);
  }
}
