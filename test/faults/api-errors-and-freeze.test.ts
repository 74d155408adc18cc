import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RecoveryRecord } from "../../src/queue/recovery-queue.js";
import { apiFaults, type ApiFaults } from "../support/api-faults.js";
import { breakUntilCrashLooping } from "../support/crash-looping-member.js";
import { expectEqualHashKV, expectHealthyCluster } from "../support/etcd-cluster-checks.js";
import { expectQuorumKept, monitorQuorum, type QuorumSample } from "../support/quorum-monitor.js";
import { processAlive } from "../support/processes.js";
import { openRecoveries } from "../support/service-api.js";
import { freezeProcess, recoverWithServiceFault } from "../support/service-fault-scenarios.js";
import { startServiceStack, type ServiceStack } from "../support/service-stack.js";

const KEYS = 30;

/**
 * The service (receiver and worker in one process, Redis, the sandbox) recovers a member while the Kubernetes API
 * fails: it answers 500 to everything for 5 s, or its process is frozen for 10 s. Both faults start once the
 * recovery's Stop step has ended, so they land on Remove, Add and Start (and the Lease's renewals). The job must
 * end (never stay queued or running), and the cluster must come out whole.
 */
describe("the service recovers a member while the Kubernetes API fails", () => {
  let stack: ServiceStack;
  let faults: ApiFaults;
  const cluster = () => stack.sandbox.info.clusters[0]!;

  beforeAll(async () => {
    stack = await startServiceStack({}, "before", KEYS);
    faults = apiFaults(stack.sandbox.info.kubeconfig);
  });
  afterEach(async () => {
    await faults?.clear();
  });
  afterAll(async () => {
    // A test that failed while the sandbox was frozen must not leave it stopped: SIGTERM waits for SIGCONT.
    if (stack && processAlive(stack.sandbox.pid)) process.kill(stack.sandbox.pid, "SIGCONT");
    await stack?.stop();
  });

  /**
   * Queues a recovery of `member`, runs `fault` once its Stop step has ended, and resolves with the record once
   * the recovery has ended, and the quorum looks taken meanwhile.
   */
  async function recoverWith(
    member: number,
    fault: () => Promise<unknown>,
  ): Promise<{ record: RecoveryRecord; samples: QuorumSample[] }> {
    await breakUntilCrashLooping(stack.kc, "default", "example", member);
    const quorum = await monitorQuorum(stack.sandbox.info, cluster());
    let record: RecoveryRecord;
    let samples: QuorumSample[];
    try {
      const faulted = await recoverWithServiceFault(stack.api, "example", member, fault);
      expect(faulted.whenFaulted.state, JSON.stringify(faulted.whenFaulted)).toBe("running");
      record = faulted.record;
    } finally {
      samples = await quorum.stop();
    }
    return { record, samples };
  }

  /** No recovery of the cluster is left queued or running: every job has ended. */
  async function expectNoJobLeft() {
    expect(await openRecoveries(stack.api, "example")).toEqual([]);
  }

  it("completes when every request is answered 500 for 5 s", async () => {
    const { record, samples } = await recoverWith(3, () => faults.turnOn({ kind: "answer", code: 500, forMs: 5000 }));
    const [fault] = (await faults.clear()).faults;
    // The responder met the errors: requests were answered 500 while it worked.
    expect(fault?.hits).toBeGreaterThan(0);
    expect(record.state, JSON.stringify(record)).toBe("succeeded");
    expect(record.attempts).toBe(1);
    await expectNoJobLeft();
    expectQuorumKept(samples);
    await expectHealthyCluster(stack.sandbox, cluster(), "before", KEYS);
    await expectEqualHashKV(stack.sandbox.info, cluster());
  });

  it("completes when the API server is frozen (SIGSTOP) for 10 s", async () => {
    // The API server runs in the sandbox's own process, with its controllers and kubelet: all of them stop. The etcd
    // members are processes of their own and keep running (on loopback addresses, reached without the sandbox), but
    // their output pipes to the frozen sandbox are not read meanwhile; 10 s of etcd's log lines fit in them.
    const frozenForMs = 10_000;
    const { record, samples } = await recoverWith(4, () => freezeProcess(stack.sandbox.pid, frozenForMs));
    expect(record.state, JSON.stringify(record)).toBe("succeeded");
    // Remove (which lists Pods) and Start (which scales the member up) need the API: they waited for the frozen
    // server, so the freeze landed in them.
    const ended = (name: string) => record.steps.find((s) => s.name === name)?.endedAt ?? NaN;
    expect(ended("start") - ended("stop")).toBeGreaterThan(frozenForMs / 2);
    await expectNoJobLeft();
    expectQuorumKept(samples);
    await expectHealthyCluster(stack.sandbox, cluster(), "before", KEYS);
    await expectEqualHashKV(stack.sandbox.info, cluster());
  });
});
