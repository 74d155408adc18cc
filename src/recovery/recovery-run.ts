import type { EtcdGateway } from "../gateways/etcd/etcd-gateway.js";
import type { EventTarget, RecordedEvent } from "../gateways/kubernetes/kubernetes-gateway.js";
import type { Logger } from "../core/logger.js";
import { RecoveryInterruptedError, retryableOf, UnsafeRecoveryError, messageOf } from "../core/errors.js";
import {
  resolveTuning,
  type RecoveryContext,
  type RecoveryOutcome,
  type RecoveryResult,
  type RecoveryTuning,
  type StepName,
  type StepRecord,
} from "./context.js";
import { failureReason } from "./report.js";
import { readUnderWay } from "./under-way.js";
import { describeWorkload, readWorkload } from "./member-workload.js";
import type { V1StatefulSet } from "@kubernetes/client-node";

/** What a step hands on: how it went and, for the steps after it, what it found or made (`result`). */
export type StepOutcome<T = void> = {
  outcome: "done" | "skipped";
  /** One human line, e.g. `scaled Deployment example-3 to 0; Pod gone after 0.4 s`. */
  detail: string;
  /** An Event for the member's workload (act mode only). */
  event?: RecordedEvent;
} & ([T] extends [void] ? { result?: undefined } : { result: T });

/** A held lock the run checks at every step boundary and gives up when it ends (the cluster's Lease). */
export interface HeldLock {
  /** Throws when the lock was lost since it was taken. */
  check(): void;
  /** Gives the lock up; never throws. */
  release(): Promise<void>;
}

/** The final Event of each way a recovery ends; a success has had its own Events. */
const FINAL_EVENTS = {
  skipped: { type: "Normal", reason: "RecoverySkipped" },
  refused: { type: "Warning", reason: "RecoveryRefused" },
  failed: { type: "Warning", reason: "RecoveryFailed" },
  succeeded: undefined,
} as const;

/**
 * One recovery in progress: runs the steps, checking between them for an interrupt or a lost lock; records
 * every step (reporter, log line, StepRecord, Event); holds what must be given back when it ends (the lock,
 * etcd gateways opened for it) and turns the end into a RecoveryResult.
 */
export class RecoveryRun {
  readonly records: StepRecord[] = [];
  readonly tuning: RecoveryTuning;
  readonly logger: Logger;
  /** The step running now, or the last one that ran. */
  current: StepName | undefined;
  /** The step that threw, if one did. */
  failedStep: StepName | undefined;
  /**
   * Whether this recovery (this attempt, or an earlier one that left its mark on the Deployment) has changed
   * the cluster or the member's Deployment yet: a refusal after that is a failure.
   */
  changed = false;
  private lock: HeldLock | undefined;
  private readonly opened: EtcdGateway[] = [];
  private target: EventTarget | undefined;
  private readonly events: Promise<void>[] = [];
  private readonly unsentEvents: RecordedEvent[] = [];

  constructor(readonly ctx: RecoveryContext) {
    this.tuning = resolveTuning(ctx.tuning);
    this.logger = ctx.logger.child({
      component: "recovery",
      cluster: ctx.cluster.name,
      namespace: ctx.cluster.namespace,
      member: ctx.member.index,
    });
  }

  /** The deadline of each wait, ms. */
  get timeoutMs(): number {
    return this.ctx.settings.stepTimeoutSeconds * 1000;
  }

  /** Runs one step and answers its result; a throw is recorded as a failed step and passed on. */
  async step<T>(name: StepName, body: () => Promise<StepOutcome<T>>): Promise<T> {
    this.checkBoundary(name);
    const { clock, reporter } = this.ctx;
    this.current = name;
    const startedAt = clock.now();
    reporter.stepStarted(name);
    let outcome: StepOutcome<T>;
    try {
      outcome = await body();
    } catch (error) {
      this.failedStep = name;
      const detail = messageOf(error);
      this.record({ name, startedAt, endedAt: clock.now(), outcome: "failed", detail }, error);
      throw error;
    }
    this.record({ name, startedAt, endedAt: clock.now(), outcome: outcome.outcome, detail: outcome.detail });
    if (outcome.event) this.event(outcome.event);
    return outcome.result as T;
  }

  /** Keeps the lock until the recovery ends, checking it at every step boundary. */
  hold(lock: HeldLock): void {
    this.lock = lock;
  }

  /** Closes `gateway` when the recovery ends. */
  own(gateway: EtcdGateway): EtcdGateway {
    this.opened.push(gateway);
    return gateway;
  }

  /** Records the Events of the recovery on the member's workload, once known (held back until then). */
  recordEventsOn(target: EventTarget): void {
    this.target = target;
  }

  /** Notes that the cluster or the member's workload was changed. */
  markChanged(): void {
    this.changed = true;
  }

  /** Notes that an earlier attempt changed the member (`description` says how it is known). */
  noteEarlierChange(description: string): void {
    this.changed = true;
    this.progress(`${description}: an earlier attempt changed the member, so this one cannot end "refused"`);
  }

  /** A free-text progress line of the current step. */
  progress(line: string): void {
    const step = this.current ?? "lock";
    this.logger.debug({ step }, line);
    this.ctx.reporter.progress(step, line);
  }

  /** Records an Event on the member's workload (act mode only). */
  event(event: RecordedEvent): void {
    if (this.ctx.mode !== "act") return;
    const target = this.target;
    if (!target) {
      this.unsentEvents.push(event);
      return;
    }
    for (const held of this.unsentEvents.splice(0)) this.events.push(this.ctx.kubernetes.recordEvent(target, held));
    this.events.push(this.ctx.kubernetes.recordEvent(target, event));
  }

  /** Ends the recovery: records the final Event, gives the lock up and answers the result. */
  async end(outcome: RecoveryOutcome, reason: string): Promise<RecoveryResult> {
    const event = FINAL_EVENTS[outcome];
    if (event) this.event({ ...event, message: reason });
    const lock = this.lock;
    this.lock = undefined;
    // The Events still being written (best effort, they never throw) and the lock's release are independent.
    await Promise.all([Promise.allSettled(this.events.splice(0)), lock?.release()]);
    this.logger.info({ outcome }, reason);
    return { outcome, reason, steps: this.records };
  }

  /**
   * Ends the recovery after `error`: refused when no attempt changed anything yet and acting was unsafe, else
   * failed, naming the state the member's Deployment is left in when something was changed.
   */
  async fail(error: unknown): Promise<RecoveryResult> {
    // A refusal is "nothing changed"; once something was changed, stopping half-way is a failure.
    const refused = error instanceof UnsafeRecoveryError && !this.changed;
    const leftChanged = this.changed ? await this.describeWorkload() : undefined;
    const reason = refused
      ? (error as Error).message
      : `${failureReason(error, this.failedStep ?? this.current, this.ctx)}${leftChanged ? `; ${leftChanged}` : ""}`;
    // An error no gateway typed: every step looks before it changes anything, so another attempt is safe.
    const retryable = retryableOf(error) ?? true;
    const result = await this.end(refused ? "refused" : "failed", reason);
    return { ...result, retryable, error, ...(leftChanged ? { leftChanged } : {}) };
  }

  /** Closes the gateways opened for the recovery. */
  async close(): Promise<void> {
    for (const gateway of this.opened.splice(0)) {
      await gateway
        .close()
        .catch((error: unknown) => this.logger.warn({ err: error }, "closing an etcd gateway failed"));
    }
  }

  /** The member's workload as it is left: its replicas or strategy, and its under-recovery mark. Never throws. */
  private async describeWorkload(): Promise<string> {
    const { kubernetes, cluster, member } = this.ctx;
    const { workload } = member;
    const name = describeWorkload(workload);
    try {
      const object = await readWorkload(kubernetes, cluster.namespace, member);
      if (!object) return `${name} no longer exists`;
      const mark = readUnderWay(object);
      const state =
        workload.kind === "Deployment"
          ? `at ${object.spec?.replicas ?? 1} replica${(object.spec?.replicas ?? 1) === 1 ? "" : "s"}`
          : `with update strategy ${(object as V1StatefulSet).spec?.updateStrategy?.type ?? "RollingUpdate"}`;
      return `${name} is left ${state}` + (mark ? ` and marked as under recovery since ${mark.since}` : "");
    } catch (error) {
      return `the state of ${name} could not be read (${messageOf(error)})`;
    }
  }

  private record(record: StepRecord, error?: unknown): void {
    this.records.push(record);
    const fields = { step: record.name, outcome: record.outcome, durationMs: record.endedAt - record.startedAt };
    if (record.outcome === "failed") this.logger.warn({ ...fields, err: error }, record.detail);
    else this.logger.info(fields, record.detail);
    this.ctx.reporter.stepEnded(record);
  }

  private checkBoundary(next: StepName): void {
    if (this.ctx.signal?.aborted) throw new RecoveryInterruptedError(next);
    this.lock?.check();
  }
}
