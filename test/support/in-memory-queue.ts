import type {
  EnqueueResult,
  RecoveryFilter,
  RecoveryQueue,
  RecoveryRecord,
  RecoveryRequest,
} from "../../src/queue/recovery-queue.js";
import type { ClusterMode, ResolvedCluster } from "../../src/core/config/types.js";
import type { ClusterModes, ClusterModeState } from "../../src/queue/cluster-modes.js";
import { ResponderError, QueueUnavailableError } from "../../src/core/errors.js";

/**
 * A RecoveryQueue kept in memory, for the HTTP-contract tests of the intake only: it joins a request
 * for a member that is already queued or running, as the real queue promises. `failWith` makes every
 * call reject, to stand for Redis being unreachable.
 */
export class InMemoryRecoveryQueue implements RecoveryQueue {
  /** Every request passed to `enqueue`, deduplicated or not. */
  readonly requests: RecoveryRequest[] = [];
  /** When set, every call rejects with this error. */
  failWith: Error | undefined;
  private readonly records: RecoveryRecord[] = [];
  private nextId = 1;

  findJoinable(request: RecoveryRequest): Promise<EnqueueResult | undefined> {
    return answer(this.failWith, () => {
      const { cluster, namespace, member } = namesOf(request);
      const active = this.records.find(
        (r) =>
          r.cluster === cluster &&
          r.namespace === namespace &&
          r.member === member &&
          (r.state === "queued" || r.state === "running"),
      );
      return active ? { id: active.id, cluster, namespace, member, deduplicated: true } : undefined;
    });
  }

  async enqueue(request: RecoveryRequest): Promise<EnqueueResult> {
    if (this.failWith) throw this.failWith;
    this.requests.push(request);
    const joinable = await this.findJoinable(request);
    if (joinable) return joinable;
    const { cluster, namespace, member } = namesOf(request);
    const record: RecoveryRecord = {
      id: `recovery-${this.nextId++}`,
      cluster,
      namespace,
      member,
      state: "queued",
      mode: "act",
      trigger: request.trigger,
      createdAt: new Date(Date.UTC(2025, 0, 1, 0, 0, this.nextId)).toISOString(),
      attempts: 0,
      steps: [],
    };
    this.records.push(record);
    return { id: record.id, cluster, namespace, member, deduplicated: false };
  }

  get(id: string): Promise<RecoveryRecord | undefined> {
    return answer(this.failWith, () => this.records.find((r) => r.id === id));
  }

  list(filter: RecoveryFilter): Promise<RecoveryRecord[]> {
    return answer(this.failWith, () =>
      this.records
        .filter(
          (r) =>
            (filter.cluster === undefined || r.cluster === filter.cluster) &&
            (filter.member === undefined || r.member === filter.member) &&
            (filter.state === undefined || r.state === filter.state),
        )
        .reverse()
        .slice(0, filter.limit ?? 100),
    );
  }

  ping(): Promise<void> {
    return answer(this.failWith, () => undefined);
  }

  waitingCounts(): Promise<Record<string, number>> {
    return answer(this.failWith, () => {
      const counts: Record<string, number> = {};
      for (const r of this.records) {
        if (r.state === "queued")
          counts[`${r.namespace}/${r.cluster}`] = (counts[`${r.namespace}/${r.cluster}`] ?? 0) + 1;
      }
      return counts;
    });
  }

  async close(): Promise<void> {}

  /** Moves a recovery to another state, as the worker would. */
  setState(id: string, state: RecoveryRecord["state"]): void {
    const record = this.records.find((r) => r.id === id);
    if (!record) throw new Error(`no recovery ${id}`);
    record.state = state;
  }
}

/** The cluster's name and namespace and the member's index of a request, as records carry them. */
export function namesOf(request: RecoveryRequest): { cluster: string; namespace: string; member: number } {
  const { cluster, member } = request.target;
  return { cluster: cluster.name, namespace: cluster.namespace, member: member.index };
}

/** A request with its member as names, for assertions: `{cluster, namespace, member, trigger, expectedMode?}`. */
export function briefRequest({ target, ...rest }: RecoveryRequest) {
  return { ...namesOf({ target, ...rest }), ...rest };
}

/**
 * ClusterModes kept in memory, for the HTTP-contract tests of the intake only. Unknown clusters are `act`
 * from `config`.
 */
export class InMemoryClusterModes implements ClusterModes {
  /** When set, every call rejects with this error. */
  failWith: Error | undefined;
  private readonly states = new Map<string, ClusterModeState>();

  get({ namespace, name }: Pick<ResolvedCluster, "namespace" | "name">): Promise<ClusterModeState> {
    return answer(
      this.failWith,
      (): ClusterModeState =>
        this.states.get(`${namespace}/${name}`) ?? { cluster: name, namespace, mode: "act", source: "config" },
    );
  }

  list(): Promise<ClusterModeState[]> {
    return answer(this.failWith, () => [...this.states.values()]);
  }

  set(
    { namespace, name: cluster }: Pick<ResolvedCluster, "namespace" | "name">,
    mode: ClusterMode,
    source: ClusterModeState["source"],
    reason?: string,
  ): Promise<ClusterModeState> {
    return answer(this.failWith, () => {
      const state: ClusterModeState = {
        cluster,
        namespace,
        mode,
        source,
        ...(reason !== undefined ? { reason } : {}),
        since: "2025-01-01T00:00:00.000Z",
      };
      this.states.set(`${namespace}/${cluster}`, state);
      return state;
    });
  }

  recordFailure(): Promise<{ tripped: boolean; failures: number }> {
    return answer(this.failWith, () => ({ tripped: false, failures: 1 }));
  }
}

/**
 * What a call of an in-memory store answers: a rejection with `failWith` when it is set (the store stands
 * for an unreachable Redis), else what `work` returns, as a resolved promise.
 */
function answer<T>(failWith: Error | undefined, work: () => T): Promise<T> {
  return failWith ? Promise.reject(failWith) : Promise.resolve(work());
}

/** The error the queue rejects with when Redis is unreachable. */
export function queueUnavailable(): QueueUnavailableError {
  return new QueueUnavailableError("queue a recovery", "127.0.0.1:6379", {
    cause: new Error("connect ECONNREFUSED 127.0.0.1:6379"),
  });
}

/** Any other retryable ResponderError. */
export class FlakyBackendError extends ResponderError {
  constructor(message: string) {
    super(message, { retryable: true });
  }
}
