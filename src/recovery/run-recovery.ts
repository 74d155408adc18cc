import type { ResolvedCluster, ResolvedMember, RecoveryMode } from "../core/config/types.js";
import type { ResponderConfig } from "../core/config/load.js";
import { createEtcdGateway } from "../gateways/etcd/etcd3-gateway.js";
import { etcdConnectionFor } from "../gateways/etcd/etcd-gateway.js";
import type { KubernetesGateway } from "../gateways/kubernetes/kubernetes-gateway.js";
import type { Logger } from "../core/logger.js";
import type { StepReporter, RecoveryResult, RecoveryTuning, RecoveryContext } from "./context.js";
import { type Clock, systemClock } from "../core/clock.js";
import { UnsafeRecoveryError, MemberNotDiagnosableError } from "../core/errors.js";
import { describePlan } from "./plan.js";
import { RecoveryRun } from "./recovery-run.js";
import { add } from "./add.js";
import { checkPermissions } from "./check-permissions.js";
import { diagnoseWhenDecided } from "./diagnose.js";
import { guard } from "./guard.js";
import { lock } from "./lock.js";
import { promote } from "./promote.js";
import { remove } from "./remove.js";
import { snapshot } from "./snapshot.js";
import { start } from "./start.js";
import { stop } from "./stop.js";
import { verify } from "./verify.js";
import { holdStatefulSet } from "./hold-statefulset.js";
import { restoreStatefulSet } from "./restore-statefulset.js";
import { startStatefulSetPod } from "./start-statefulset-pod.js";

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
 * Recovers one crash-looping etcd member, the runbook as code. Each step looks at the world before it
 * changes it, so running again after an interruption at any point resumes safely; each hands what it
 * found or made to the steps after it. First of all it checks that it may make every request it could make,
 * refusing up front when one is missing. In observe mode only Permissions, Diagnose and Guard run, without the
 * Lease, and the result carries the plan (with a missing permission as its last line). Never throws.
 */
export async function runRecovery(ctx: RecoveryContext): Promise<RecoveryResult> {
  const run = new RecoveryRun(ctx);
  try {
    const permissions = await run.step("permissions", () => checkPermissions(run));
    if (ctx.mode === "act") run.hold(await run.step("lock", () => lock(run)));
    const diagnosis = await run.step("diagnose", () => diagnoseWhenDecided(run));
    const { verdict, reason } = diagnosis;
    const { workload } = ctx.member;
    if (verdict === "healthy") {
      // An earlier attempt got the member healthy but did not put its StatefulSet back.
      if (workload.kind === "StatefulSet" && ctx.mode === "act" && diagnosis.heldForThisMember) {
        const plan = await run.step("guard", () => guard(run, { ...diagnosis, verdict: "resume-verify" }));
        await run.step("restore", () => restoreStatefulSet(run, plan, workload));
        return await run.end("succeeded", `put StatefulSet ${workload.name} back after recovering ${ctx.member.name}`);
      }
      return await run.end("skipped", reason);
    }
    if (verdict === "refuse") throw new UnsafeRecoveryError(diagnosis.refusal ?? "refused", reason);
    if (verdict === "retry-later") throw new MemberNotDiagnosableError(reason);

    const plan = await run.step("guard", () => guard(run, { ...diagnosis, verdict }));
    if (ctx.mode === "observe") {
      const refusal = permissions.refusal ? [`Acting would be refused up front: ${permissions.refusal}`] : [];
      return { ...(await run.end("succeeded", reason)), plan: [...describePlan(run, plan), ...refusal] };
    }

    await run.step("snapshot", () => snapshot(run, plan));
    if (workload.kind === "Deployment") await run.step("stop", () => stop(run, plan, workload.name));
    else await run.step("hold", () => holdStatefulSet(run, plan, workload));
    await run.step("remove", () => remove(run, plan));
    const added = await run.step("add", () => add(run, plan));
    if (workload.kind === "Deployment") await run.step("start", () => start(run, plan, added, workload.name));
    else await run.step("start", () => startStatefulSetPod(run, plan, added, workload));
    await run.step("promote", () => promote(run, plan));
    await run.step("verify", () => verify(run, plan));
    if (workload.kind === "StatefulSet") await run.step("restore", () => restoreStatefulSet(run, plan, workload));
    const { cluster, member } = ctx;
    return await run.end("succeeded", `recovered member ${member.name} of ${cluster.namespace}/${cluster.name}`);
  } catch (error) {
    return await run.fail(error);
  } finally {
    await run.close();
  }
}
