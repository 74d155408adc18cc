import type { ResolvedCluster, ResolvedMember, RecoveryMode } from "../core/config/types.js";
import type { ResponderConfig } from "../core/config/load.js";
import { createEtcdGateway } from "../gateways/etcd/etcd3-gateway.js";
import { etcdConnectionFor } from "../gateways/etcd/connection-for-cluster.js";
import type { KubernetesGateway } from "../gateways/kubernetes/kubernetes-gateway.js";
import type { Logger } from "../core/logger.js";
import type { StepReporter, RecoveryResult, RecoveryTuning, RecoveryContext, RecoveryOutcome } from "./context.js";
import { type Clock, systemClock } from "../core/clock.js";
import { UnsafeRecoveryError, MemberNotDiagnosableError } from "../core/errors.js";
import { failureReason, isRetryable } from "./report.js";
import { planRecovery } from "./plan.js";
import { RecoveryRun } from "./recovery-run.js";
import { addMember } from "./add.js";
import { diagnoseMember } from "./diagnose.js";
import { guardQuorum } from "./guard.js";
import { promoteLearner } from "./promote.js";
import { removeDeadMembers } from "./remove.js";
import { startMember } from "./start.js";
import { stopMember } from "./stop.js";
import { takeLock } from "./lock.js";
import { takeSnapshot } from "./snapshot.js";
import { verifyRecovery } from "./verify.js";

/** What every recovery of a process shares: configuration, Kubernetes, the logger, who it is. */
export interface MemberRecoveryDependencies {
  config: ResponderConfig;
  kubernetes: KubernetesGateway;
  logger: Logger;
  /** Lease holder identity, e.g. `host-1234`. */
  holder: string;
  /** Default: the system clock. */
  clock?: Clock;
  tuning?: Partial<RecoveryTuning>;
}

/** One recovery: which member, how, and where its progress goes. */
export interface MemberRecoveryRequest {
  cluster: ResolvedCluster;
  member: ResolvedMember;
  mode: RecoveryMode;
  reporter: StepReporter;
  signal?: AbortSignal;
}

/**
 * Recovers (or plans the recovery of) one member with etcd gateways made for its cluster and closed
 * afterwards. The CLI, the queue's workers and the benchmarks all recover through this.
 */
export async function recoverMember(
  deps: MemberRecoveryDependencies,
  request: MemberRecoveryRequest,
): Promise<RecoveryResult> {
  const { cluster } = request;
  const etcd = createEtcdGateway(etcdConnectionFor(cluster));
  try {
    return await runRecovery({
      cluster,
      member: request.member,
      kubernetes: deps.kubernetes,
      etcd,
      etcdForCluster: (clusterID) => createEtcdGateway({ ...etcdConnectionFor(cluster), clusterID }),
      clock: deps.clock ?? systemClock,
      settings: deps.config.recovery,
      ...(deps.tuning ? { tuning: deps.tuning } : {}),
      reporter: request.reporter,
      logger: deps.logger,
      holder: deps.holder,
      mode: request.mode,
      ...(request.signal ? { signal: request.signal } : {}),
    });
  } finally {
    await etcd.close();
  }
}

/**
 * Recovers one crash-looping etcd member, the runbook as code: each step checks the world before it
 * changes it, so running again after an interruption at any point resumes safely. In plan mode only
 * Diagnose and Guard run, without the Lease, and the result carries the plan. Never throws.
 */
export async function runRecovery(ctx: RecoveryContext): Promise<RecoveryResult> {
  const run = new RecoveryRun(ctx);
  try {
    if (ctx.mode === "act") await run.step("lock", () => takeLock(run));
    await run.step("diagnose", () => diagnoseMember(run));

    const diagnosis = run.state.diagnosis;
    if (!diagnosis) throw new Error("Diagnose decided nothing");
    if (diagnosis.verdict === "healthy") return end(run, "skipped", diagnosis.reason);
    if (diagnosis.verdict === "refuse") throw new UnsafeRecoveryError(diagnosis.refusal ?? "refused", diagnosis.reason);
    if (diagnosis.verdict === "retry-later") throw new MemberNotDiagnosableError(diagnosis.reason);

    await run.step("guard", () => guardQuorum(run));
    if (ctx.mode === "observe") {
      const plan = planRecovery(run);
      return { ...(await end(run, "succeeded", diagnosis.reason)), plan };
    }

    await run.step("snapshot", () => takeSnapshot(run));
    await run.step("stop", () => stopMember(run));
    await run.step("remove", () => removeDeadMembers(run));
    await run.step("add", () => addMember(run));
    await run.step("start", () => startMember(run));
    await run.step("promote", () => promoteLearner(run));
    await run.step("verify", () => verifyRecovery(run));
    return end(run, "succeeded", `recovered member ${ctx.member.name} of ${ctx.cluster.namespace}/${ctx.cluster.name}`);
  } catch (error) {
    // A refusal is "nothing changed"; once something was changed, stopping half-way is a failure.
    const refused = error instanceof UnsafeRecoveryError && !run.changed;
    const reason = refused ? (error as Error).message : failureReason(error, run.failedStep ?? run.current, ctx);
    return { ...(await end(run, refused ? "refused" : "failed", reason)), retryable: isRetryable(error), error };
  } finally {
    await closeOpened(run);
  }
}

/** Records the final Event, releases the Lease and builds the result. */
async function end(run: RecoveryRun, outcome: RecoveryOutcome, reason: string): Promise<RecoveryResult> {
  const finalEvent = {
    skipped: { type: "Normal", reason: "RecoverySkipped" },
    refused: { type: "Warning", reason: "RecoveryRefused" },
    failed: { type: "Warning", reason: "RecoveryFailed" },
    succeeded: undefined,
  } as const;
  const event = finalEvent[outcome];
  if (event) run.event({ ...event, message: reason });
  const lock = run.state.lock;
  run.state.lock = undefined;
  // The Events still being written and the Lease's release are independent.
  await Promise.all([run.settleEvents(), lock?.release()]);
  run.logger.info({ outcome }, reason);
  return { outcome, reason, steps: run.records };
}

async function closeOpened(run: RecoveryRun): Promise<void> {
  for (const gateway of run.state.opened.splice(0)) {
    await gateway.close().catch((error: unknown) => run.logger.warn({ err: error }, "closing an etcd gateway failed"));
  }
}
