import type { HeldLease, KubernetesGateway } from "../gateways/kubernetes/kubernetes-gateway.js";
import { LeaseHeldError, LeaseLostError, LeaseRenewalError, messageOf } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { Clock } from "../core/clock.js";
import { retryRefused } from "./waits.js";
import type { RecoveryRun, StepOutcome } from "./recovery-run.js";
import { seconds } from "./report.js";

/** The Lease that makes recoveries of one cluster take turns. */
export function leaseName(cluster: string): string {
  return `etcd-responder-${cluster}`;
}

/** What taking the Lease needs. */
export interface LeaseLockOptions {
  kubernetes: KubernetesGateway;
  clock: Clock;
  logger: Logger;
  namespace: string;
  /** The Lease name, see `leaseName`. */
  name: string;
  holder: string;
  durationSeconds: number;
  /** How long to wait while someone else holds it, ms. */
  timeoutMs: number;
  /** Back-off between attempts while it is held, ms. */
  initialMs: number;
  maxMs: number;
  /** Told once when the Lease is held by someone else and the wait begins. */
  onWait?: (line: string) => void;
}

/**
 * A held Lease, renewed every third of its duration until released. A renewal that fails for good (the
 * Lease was taken over, or could not be renewed before it expired) is remembered: `check()` throws it,
 * which the recovery calls at every step boundary.
 */
export class LeaseLock {
  private lost: LeaseRenewalError | undefined;
  private readonly stopRenewing = new AbortController();
  private readonly renewals: Promise<void>;

  private constructor(
    private readonly lease: HeldLease,
    private readonly options: LeaseLockOptions,
  ) {
    this.renewals = this.renew();
  }

  /** Takes the Lease, waiting with back-off while someone else holds it, until the deadline. */
  static async acquire(options: LeaseLockOptions): Promise<LeaseLock> {
    const { kubernetes, namespace, name, holder, durationSeconds } = options;
    let told = false;
    const lease = await retryRefused(
      () => kubernetes.acquireLease(namespace, name, holder, durationSeconds),
      (error) => error instanceof LeaseHeldError,
      {
        clock: options.clock,
        what: `Lease ${namespace}/${name} to be free`,
        timeoutMs: options.timeoutMs,
        initialMs: options.initialMs,
        maxMs: options.maxMs,
        onRetry: (error) => {
          if (told) return;
          told = true;
          const by = error instanceof LeaseHeldError ? ` by "${error.holder}"` : "";
          options.onWait?.(`Lease ${namespace}/${name} is held${by} (another recovery of this cluster); waiting`);
        },
      },
    );
    return new LeaseLock(lease, options);
  }

  /** The Lease as held. */
  get held(): HeldLease {
    return this.lease;
  }

  /** Throws when the Lease was lost since it was taken. */
  check(): void {
    if (this.lost) throw this.lost;
  }

  /** Stops renewing and gives the Lease up; never throws (an expired Lease frees itself). */
  async release(): Promise<void> {
    this.stopRenewing.abort();
    await this.renewals;
    try {
      await this.options.kubernetes.releaseLease(this.lease);
    } catch (error) {
      this.options.logger.warn(
        { err: error, lease: `${this.lease.namespace}/${this.lease.name}` },
        "could not release the Lease; it expires on its own",
      );
    }
  }

  private async renew(): Promise<void> {
    const { clock, kubernetes, logger } = this.options;
    const durationMs = this.lease.durationSeconds * 1000;
    const signal = this.stopRenewing.signal;
    let renewedAt = clock.now();
    while (!signal.aborted) {
      await clock.sleep(durationMs / 3, signal);
      if (signal.aborted) return;
      try {
        await kubernetes.renewLease(this.lease);
        renewedAt = clock.now();
      } catch (error) {
        const lease = `${this.lease.namespace}/${this.lease.name}`;
        if (error instanceof LeaseLostError) {
          this.lost = new LeaseRenewalError(
            `lost the Lease ${lease}: ${error.message}; stopped so that only one recovery acts on the cluster`,
            { cause: error },
          );
          return;
        }
        const since = clock.now() - renewedAt;
        if (since >= durationMs) {
          const message = messageOf(error);
          this.lost = new LeaseRenewalError(
            `could not renew the Lease ${lease} for ${Math.round(since / 1000)} s (${message}); it may have expired, ` +
              `so the recovery stopped`,
            { cause: error },
          );
          return;
        }
        logger.warn({ err: error, lease }, "Lease renewal failed; trying again");
      }
    }
  }
}

/**
 * Step 1, Lock: take the cluster's Lease before the first look that leads to a change, so two recoveries
 * of one cluster never interleave their membership changes. Waits while another holder has it. Answers the
 * held Lease, which the run renews, checks at every step boundary and gives up at the end.
 */
export async function lock(run: RecoveryRun): Promise<StepOutcome<LeaseLock>> {
  const { ctx } = run;
  const namespace = ctx.cluster.namespace;
  const name = leaseName(ctx.cluster.name);
  const startedAt = ctx.clock.now();
  const held = await LeaseLock.acquire({
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
    detail:
      `took Lease ${namespace}/${name} as ` +
      `${ctx.holder}${waited >= 1000 ? ` after waiting ${seconds(waited)}` : ""}`,
    event: {
      type: "Normal",
      reason: "RecoveryStarted",
      message: `Recovery of etcd member ${ctx.member.name} started by ${ctx.holder} (Lease ${name})`,
    },
    result: held,
  };
}
