import type { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecoveryRequestAnswer } from "../../src/cli/service-client.js";
import type { RecoveryRecord } from "../../src/queue/recovery-queue.js";
import { expectHealthyCluster, writeKeys } from "../support/etcd-cluster-checks.js";
import { breakMember, kubeConfigFrom } from "../support/pod-watch.js";
import { processAlive } from "../support/processes.js";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { startResponder, type ResponderProcess } from "../support/responder-process.js";
import { startSandboxProcess, type SandboxProcess } from "../support/sandbox-process.js";
import { writeServiceConfig } from "../support/sandbox-config.js";
import { serviceApi, waitForRecovery } from "../support/service-api.js";

const KEYS = 20;

describe("a worker process that stops in the middle of a recovery", () => {
  let redis: TestRedis;
  let sandbox: SandboxProcess;
  let kc: KubeConfig;
  let config: string;
  let receiver: ResponderProcess;
  const services: ResponderProcess[] = [];
  const connections = () => ({ redisURL: redis.url, env: { KUBECONFIG: sandbox.info.kubeconfig } });

  beforeAll(async () => {
    [redis, sandbox] = await Promise.all([startRedis(), startSandboxProcess({ members: 3 })]);
    kc = kubeConfigFrom(sandbox.info.kubeconfig);
    await writeKeys(sandbox.info, sandbox.info.clusters[0]!, "before", KEYS);
    // A killed worker's Lease must expire before the next one can act: keep it short here.
    config = await writeServiceConfig(sandbox, "short-lease.yaml", { leaseDurationSeconds: 3 });
    receiver = await startResponder({ mode: "serve", config, ...connections() });
    services.push(receiver);
  });
  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()));
    await sandbox?.stop();
    await redis?.stop();
  });

  it("SIGKILLed: another worker process picks the recovery up after the stall interval and finishes it", async () => {
    const doomed = await startResponder({ mode: "worker", config, ...connections() });
    services.push(doomed);
    const api = serviceApi(receiver.url);

    await breakMember(kc, "default", "example", 2);
    const queued = await api.post("/v1/recoveries", { cluster: "example", member: 2 });
    expect(queued.status).toBe(202);
    const { id } = queued.body as RecoveryRequestAnswer;
    const running = await waitForRecovery(api, id, (r) => r.state === "running" && r.steps.length > 0, 30_000, 20);
    await doomed.kill();
    expect(processAlive(doomed.pid)).toBe(false);
    expect(running.steps.length).toBeLessThan(10);

    const rescuer = await startResponder({ mode: "worker", config, ...connections() });
    services.push(rescuer);
    const record = await waitForRecovery(api, id, undefined, 60_000);
    expect(record.state, JSON.stringify(record)).toBe("succeeded");
    expect(record.attempts).toBeGreaterThanOrEqual(2);
    expect(rescuer.logs().some((line) => line.msg === "recovery started" && line.recovery === id)).toBe(true);
    await expectHealthyCluster(sandbox, sandbox.info.clusters[0]!, "before", KEYS);
    expect(await rescuer.stop()).toEqual({ code: 0, signal: null });
  });

  it("SIGTERMed: stops at the next step boundary, exits 0, hands the recovery back to its queue at once", async () => {
    const stopping = await startResponder({ mode: "worker", config, ...connections() });
    services.push(stopping);
    const api = serviceApi(receiver.url);

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

    const next = await startResponder({ mode: "worker", config, ...connections() });
    services.push(next);
    const record = await waitForRecovery(api, id, undefined, 60_000);
    expect(record.state, JSON.stringify(record)).toBe("succeeded");
    await expectHealthyCluster(sandbox, sandbox.info.clusters[0]!, "before", KEYS);
  });
});
