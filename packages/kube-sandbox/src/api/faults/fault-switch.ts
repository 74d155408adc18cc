import type { RequestAttributes } from "../rbac/request-attributes.js";
import { StatusError } from "../status-error.js";
import type { AnswerFault, DropWatchesFault, FaultSpec } from "./fault-spec.js";

/** A fault as the switch reports it: what was asked for, and what it has done so far. */
export type FaultState = FaultSpec & {
  /** Number of the fault, from 1, in the order they were turned on. */
  id: number;
  /** When it was turned on, ISO 8601. */
  since: string;
  /** Whether it still acts. */
  active: boolean;
  /** Requests it answered (an `answer` fault), or watch connections it cut (`drop-watches`). */
  hits: number;
};

/** What the switch says about itself (the answer of `GET /sandbox/faults`). */
export interface FaultReport {
  /** Every fault since the switch was last turned off, oldest first. */
  faults: FaultState[];
}

interface Entry {
  state: FaultState;
  /** For `answer` faults with `forMs`: when it ends, ms since the epoch. */
  endsAt?: number;
  /** For repeating `drop-watches`: the next drop. */
  timer?: NodeJS.Timeout;
}

/**
 * The API server's fault switch: makes it, for a while, answer requests with 500 or 409 instead of serving them,
 * or cut its open watch connections, as a failing or restarted kube-apiserver (or a load balancer in front of
 * one) does. Only HTTP clients see the faults; the sandbox's own controllers and kubelet use the object store.
 * Off until a fault is turned on; `clear()` turns it off.
 */
export class FaultSwitch {
  private entries: Entry[] = [];
  private nextId = 1;
  /** How to cut each open watch connection. */
  private readonly watches = new Set<() => void>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Turns a fault on; answers its state. A `drop-watches` fault cuts the open watches at once. */
  turnOn(spec: FaultSpec): FaultState {
    const state: FaultState = {
      ...spec,
      id: this.nextId++,
      since: new Date(this.now()).toISOString(),
      active: true,
      hits: 0,
    };
    const entry: Entry = { state };
    this.entries.push(entry);
    if (spec.kind === "answer") {
      if (spec.forMs !== undefined) entry.endsAt = this.now() + spec.forMs;
    } else {
      this.dropWatches(entry, spec, 1);
    }
    return { ...state };
  }

  /** Turns every fault off (repeating drops stop); answers what they did. */
  clear(): FaultReport {
    const report = this.report();
    for (const entry of this.entries) clearTimeout(entry.timer);
    this.entries = [];
    return { faults: report.faults.map((state) => ({ ...state, active: false })) };
  }

  report(): FaultReport {
    return { faults: this.entries.map((entry) => ({ ...entry.state, active: this.isActive(entry) })) };
  }

  /**
   * The failure to answer a request with instead of serving it, from the oldest active fault that matches; undefined
   * when none does. Counts the request against that fault.
   */
  answerFor(attributes: RequestAttributes): StatusError | undefined {
    for (const entry of this.entries) {
      const { state } = entry;
      if (state.kind !== "answer" || !this.isActive(entry) || !matches(state, attributes)) continue;
      state.hits++;
      return state.code === 409
        ? StatusError.conflict(attributes.resource, attributes.apiGroup, attributes.name)
        : new StatusError(500, "InternalError", "Internal error occurred: the sandbox's fault switch answers 500");
    }
    return undefined;
  }

  /** Keeps `cut` (which ends a watch connection abruptly) while the watch is open; the returned function forgets it. */
  trackWatch(cut: () => void): () => void {
    this.watches.add(cut);
    return () => this.watches.delete(cut);
  }

  private isActive(entry: Entry): boolean {
    const { state } = entry;
    if (!state.active) return false;
    if (state.kind === "drop-watches") return true;
    if (state.requests !== undefined && state.hits >= state.requests) return (state.active = false);
    if (entry.endsAt !== undefined && this.now() >= entry.endsAt) return (state.active = false);
    return true;
  }

  private dropWatches(entry: Entry, spec: DropWatchesFault, round: number): void {
    const cuts = [...this.watches];
    this.watches.clear();
    for (const cut of cuts) cut();
    entry.state.hits += cuts.length;
    if (round >= (spec.times ?? 1)) {
      entry.state.active = false;
      return;
    }
    entry.timer = setTimeout(() => this.dropWatches(entry, spec, round + 1), spec.everyMs);
    entry.timer.unref();
  }
}

function matches(fault: AnswerFault, attributes: RequestAttributes): boolean {
  if (fault.verbs && !fault.verbs.includes(attributes.verb)) return false;
  if (fault.namespace !== undefined && attributes.namespace !== fault.namespace) return false;
  if (!fault.resources) return true;
  if (!attributes.resourceRequest) return false;
  const resource = attributes.subresource ? `${attributes.resource}/${attributes.subresource}` : attributes.resource;
  return fault.resources.includes(resource);
}
