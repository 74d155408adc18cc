import type { EventTarget, RecordedEvent } from "../gateways/kubernetes/kubernetes-gateway.js";
import type { Logger } from "../core/logger.js";
import { RecoveryInterruptedError } from "../core/errors.js";
import { type RecoveryContext, type StepName, type StepRecord, resolveTuning, type RecoveryTuning } from "./context.js";
import type { RecoveryState } from "./recovery-state.js";

/** What a step returns: whether it did something, one line about it, and the Event to record. */
export interface StepOutcome {
  outcome: "done" | "skipped";
  /** One human line, e.g. `scaled Deployment example-3 to 0; Pod gone after 0.4 s`. */
  detail: string;
  /** An Event for the member's Deployment (act mode only). */
  event?: RecordedEvent;
}

/**
 * One recovery in progress: runs the steps, checking between them for an interrupt or a lost Lease;
 * records every step (reporter, log line, StepRecord, Event) and carries the state steps hand on.
 */
export class RecoveryRun {
  readonly records: StepRecord[] = [];
  readonly state: RecoveryState = { opened: [], expectedRemovals: [] };
  readonly tuning: RecoveryTuning;
  readonly logger: Logger;
  /** The step running now, or the last one that ran. */
  current: StepName | undefined;
  /** The step that threw, if one did. */
  failedStep: StepName | undefined;
  /** Whether a step has changed the cluster or its Deployment yet (a refusal after that is a failure). */
  changed = false;
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

  /** Runs one step; a throw is recorded as a failed step and passed on. */
  async step(name: StepName, body: () => Promise<StepOutcome>): Promise<StepOutcome> {
    this.checkBoundary(name);
    const { clock, reporter } = this.ctx;
    this.current = name;
    const startedAt = clock.now();
    reporter.stepStarted(name);
    let outcome: StepOutcome;
    try {
      outcome = await body();
    } catch (error) {
      this.failedStep = name;
      const detail = error instanceof Error ? error.message : String(error);
      this.record({ name, startedAt, endedAt: clock.now(), outcome: "failed", detail }, error);
      throw error;
    }
    this.record({ name, startedAt, endedAt: clock.now(), outcome: outcome.outcome, detail: outcome.detail });
    if (outcome.event) this.event(outcome.event);
    return outcome;
  }

  /** Notes that the cluster or the member's Deployment was changed. */
  markChanged(): void {
    this.changed = true;
  }

  /** A free-text progress line of the current step. */
  progress(line: string): void {
    const step = this.current ?? "lock";
    this.logger.debug({ step }, line);
    this.ctx.reporter.progress(step, line);
  }

  /** Records an Event on the member's Deployment (act mode only; held back until the Deployment is known). */
  event(event: RecordedEvent): void {
    if (this.ctx.mode !== "act") return;
    const target = this.eventTarget();
    if (!target) {
      this.unsentEvents.push(event);
      return;
    }
    for (const held of this.unsentEvents.splice(0)) this.events.push(this.ctx.kubernetes.recordEvent(target, held));
    this.events.push(this.ctx.kubernetes.recordEvent(target, event));
  }

  /** Waits for the Events sent so far (they are best effort and never throw). */
  async settleEvents(): Promise<void> {
    await Promise.allSettled(this.events.splice(0));
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
    this.state.lock?.check();
  }

  private eventTarget(): EventTarget | undefined {
    const { deployment, statefulSet } = this.state.member ?? {};
    const object = deployment ?? statefulSet;
    if (!object) return undefined;
    return {
      kind: deployment ? "Deployment" : "StatefulSet",
      apiVersion: "apps/v1",
      namespace: this.ctx.cluster.namespace,
      name: object.metadata?.name ?? this.ctx.member.deployment,
      ...(object.metadata?.uid ? { uid: object.metadata.uid } : {}),
    };
  }
}
