import { LeaseLock, leaseName } from "../lock/lease-lock.js";
import type { RecoveryRun, StepOutcome } from "../recovery-run.js";
import { seconds } from "../format.js";

/**
 * Step 1, Lock: take the cluster's Lease before the first look that leads to a change, so two recoveries
 * of one cluster never interleave their membership changes. Waits while another holder has it.
 */
export async function takeLock(run: RecoveryRun): Promise<StepOutcome> {
  const { ctx } = run;
  const namespace = ctx.cluster.namespace;
  const name = leaseName(ctx.cluster.name);
  const startedAt = ctx.clock.now();
  run.state.lock = await LeaseLock.acquire({
    kubernetes: ctx.kubernetes,
    clock: ctx.clock,
    logger: run.logger,
    namespace,
    name,
    holder: ctx.holder,
    durationSeconds: ctx.settings.leaseDurationSeconds,
    timeoutMs: run.timeoutMs,
    initialMs: 250,
    maxMs: 2000,
    onWait: (line) => run.progress(line),
  });
  const waited = ctx.clock.now() - startedAt;
  return {
    outcome: "done",
    detail: `took Lease ${namespace}/${name} as ${ctx.holder}${waited >= 1000 ? ` after waiting ${seconds(waited)}` : ""}`,
    event: {
      type: "Normal",
      reason: "RecoveryStarted",
      message: `Recovery of etcd member ${ctx.member.name} started by ${ctx.holder} (Lease ${name})`,
    },
  };
}
