import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecoveryRequestAnswer } from "../../src/cli/service-client.js";
import type { RecoveryRecord } from "../../src/queue/recovery-queue.js";
import { expectHealthyCluster } from "../support/etcd-cluster-checks.js";
import { breakMember } from "../support/pod-watch.js";
import { processAlive } from "../support/processes.js";
import { waitForRecovery } from "../support/service-api.js";
import { startWorkerStack, type WorkerStack } from "../support/worker-stack.js";

const KEYS = 20;

describe("a worker process that stops in the middle of a recovery", () => {
  let stack: WorkerStack;

  beforeAll(async () => {
    stack = await startWorkerStack({ members: 3 }, "before", KEYS, 3);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("SIGKILLed: another worker process picks the recovery up after the stall interval and finishes it", async () => {
    const { api, kc, sandbox } = stack;
    const doomed = await stack.startWorker();

    await breakMember(kc, "default", "example", 2);
    const queued = await api.post("/v1/recoveries", { cluster: "example", member: 2 });
    expect(queued.status).toBe(202);
    const { id } = queued.body as RecoveryRequestAnswer;
    const running = await waitForRecovery(api, id, (r) => r.state === "running" && r.steps.length > 0, 30_000, 20);
    await doomed.kill();
    expect(processAlive(doomed.pid)).toBe(false);
    expect(running.steps.length).toBeLessThan(10);

    const rescuer = await stack.startWorker();
    const record = await waitForRecovery(api, id, undefined, 60_000);
    expect(record.state, JSON.stringify(record)).toBe("succeeded");
    expect(record.attempts).toBeGreaterThanOrEqual(2);
    expect(rescuer.logs().some((line) => line.msg === "recovery started" && line.recovery === id)).toBe(true);
    await expectHealthyCluster(sandbox, sandbox.info.clusters[0]!, "before", KEYS);
    expect(await rescuer.stop()).toEqual({ code: 0, signal: null });
  });

  it("SIGTERMed: stops at the next step boundary, exits 0, hands the recovery back to its queue at once", async () => {
    const { api, kc, sandbox } = stack;
    const stopping = await stack.startWorker();

    await breakMember(kc, "default", "example", 3);
    const queued = await api.post("/v1/recoveries", { cluster: "example", member: 3 });
    const { id } = queued.body as RecoveryRequestAnswer;
    await waitForRecovery(api, id, (r) => r.state === "running" && r.steps.length > 0, 30_000, 20);
    const signalled = Date.now();
    expect(await stopping.stop()).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(10_000);
    const handedBack = await api.get(`/v1/recoveries/${id}`);
    expect((handedBack.body as RecoveryRecord).state, JSON.stringify(handedBack.body)).toBe("queued");
    expect(
      stopping.logs().some((line) => line.msg === "recovery interrupted by shutdown; queued again to resume"),
    ).toBe(true);

    await stack.startWorker();
    const record = await waitForRecovery(api, id, undefined, 60_000);
    expect(record.state, JSON.stringify(record)).toBe("succeeded");
    await expectHealthyCluster(sandbox, sandbox.info.clusters[0]!, "before", KEYS);
  });
});
