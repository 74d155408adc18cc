import type { V1Pod } from "@kubernetes/client-node";
import type { ResolvedCluster, ResolvedMember } from "../../src/core/config/types.js";
import { DeadlineExceededError, EtcdUnavailableError } from "../../src/core/errors.js";
import type { EtcdGateway, EtcdMember, MemberStatus } from "../../src/gateways/etcd/etcd-gateway.js";
import type {
  EventTarget,
  KubernetesGateway,
  RecordedEvent,
} from "../../src/gateways/kubernetes/kubernetes-gateway.js";
import type { RecoveryContext, StepRecord } from "../../src/recovery/context.js";
import { FakeClock } from "./fake-clock.js";
import { testRecoveryContext } from "./test-recovery-context.js";

/** An etcd process answering at a client URL: which member it runs as, in which cluster. */
export interface FakeProcess {
  memberId: string;
  clusterId: string;
}

/** What a world adds to the recovery contexts it makes, beyond its cluster, gateways and clock. */
export type WorldExtras = Partial<Pick<RecoveryContext, "snapshotDirectory">>;

/** Whether `labels` match every `key=value` term of `selector`. */
export function matchesSelector(labels: Record<string, string> | undefined, selector: string): boolean {
  return selector.split(",").every((term) => {
    const [key, value] = term.split("=");
    return key !== undefined && labels?.[key] === value;
  });
}

/**
 * What the fake worlds share: an etcd cluster's member list and the processes answering at the members' client
 * URLs (every member voting and running at first, member N with ID `1000 + N`), the Pods whose changes wake the
 * waits on them, a fake clock, and the changes and Events recorded.
 */
export abstract class FakeEtcdCluster {
  readonly clock = new FakeClock();
  readonly calls: string[] = [];
  readonly events: { target: EventTarget; event: RecordedEvent }[] = [];
  readonly clusterId = "8000000000000000001";
  members: EtcdMember[] = [];
  readonly processes = new Map<string, FakeProcess>();
  /** Client URLs whose status calls fail although a process runs there (a network problem). */
  readonly unreachable = new Set<string>();
  readonly pods = new Map<string, V1Pod>();
  private readonly listeners = new Set<() => void>();

  constructor(readonly cluster: ResolvedCluster) {
    for (const member of cluster.members) {
      const id = String(1000 + member.index);
      this.members.push({
        id,
        name: member.name,
        peerURLs: [member.peerURL],
        clientURLs: [member.clientURL],
        isLearner: false,
      });
      this.processes.set(member.clientURL, { memberId: id, clusterId: this.clusterId });
    }
  }

  member(index: number): ResolvedMember {
    const member = this.cluster.members[index - 1];
    if (!member) throw new Error(`no member ${index}`);
    return member;
  }

  /** The Kubernetes gateway over this world. */
  abstract kubernetes(): KubernetesGateway;

  /** The etcd gateway over this world. */
  abstract etcd(): EtcdGateway;

  /** A recovery context over this world for member `index` (default 3); `lines` collects what the reporter got. */
  context(
    overrides: Partial<RecoveryContext> & { index?: number } = {},
  ): RecoveryContext & { lines: string[]; records: StepRecord[] } {
    const { index = 3, ...rest } = overrides;
    const parts = {
      cluster: this.cluster,
      member: this.member(index),
      kubernetes: this.kubernetes(),
      etcd: this.etcd(),
      clock: this.clock,
      ...this.extraParts(),
    };
    return testRecoveryContext(parts, rest);
  }

  /** What this world adds to its recovery contexts; nothing by default. */
  protected extraParts(): WorldExtras {
    return {};
  }

  /** The leader's ID when a quorum of voting members runs; "0" otherwise. */
  leader(): string {
    const voters = this.members.filter((m) => !m.isLearner);
    const running = voters.filter((m) =>
      [...this.processes.values()].some((p) => p.memberId === m.id && p.clusterId === this.clusterId),
    );
    return running.length >= Math.floor(voters.length / 2) + 1 ? (running[0]?.id ?? "0") : "0";
  }

  /** What the process at `url` answers to a status call; a process of another cluster leads its own. */
  protected status(url: string): MemberStatus {
    const process = this.processes.get(url);
    if (!process || this.unreachable.has(url))
      throw new EtcdUnavailableError(`etcd member ${url} did not answer (status)`, url);
    const foreign = process.clusterId !== this.clusterId;
    const entry = this.members.find((m) => m.id === process.memberId);
    return {
      clientURL: url,
      memberId: process.memberId,
      clusterId: process.clusterId,
      leader: foreign ? process.memberId : entry ? this.leader() : "0",
      raftIndex: "100",
      raftTerm: "2",
      isLearner: foreign ? false : (entry?.isLearner ?? false),
      version: "3.4.23",
      dbSize: 2048,
      errors: [],
    };
  }

  /** Copies of the Pods whose labels match `selector`. */
  protected select(selector: string): V1Pod[] {
    return [...this.pods.values()]
      .filter((p) => matchesSelector(p.metadata?.labels, selector))
      .map((p) => structuredClone(p));
  }

  /** Wakes the waits on Pods: call after every change of them. */
  protected notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** As the gateway's watch: `check` on every change of the Pods until it answers, the deadline or `signal`. */
  protected waitForPods<T>(
    selector: string,
    check: (pods: V1Pod[]) => T | undefined,
    what: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const stop = new AbortController();
      const finish = (settle: () => void) => {
        this.listeners.delete(evaluate);
        stop.abort();
        settle();
      };
      const evaluate = () => {
        try {
          const value = check(this.select(selector));
          if (value !== undefined) finish(() => resolve(value));
        } catch (error) {
          finish(() => reject(error));
        }
      };
      this.listeners.add(evaluate);
      signal?.addEventListener("abort", () => finish(() => reject(signal.reason as Error)), { once: true });
      void this.clock.sleep(timeoutMs, stop.signal).then(() => {
        if (!stop.signal.aborted) finish(() => reject(new DeadlineExceededError(what, timeoutMs)));
      });
      evaluate();
    });
  }
}
