import { holdLeaseAsAnother } from "../support/foreign-lease.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecoveryRequestAnswer } from "../../src/cli/service-client.js";
import type { ClusterListBody } from "../support/api-bodies.js";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { startResponder, type ResponderProcess } from "../support/responder-process.js";
import { startSandboxProcess, type SandboxProcess } from "../support/sandbox-process.js";
import { writeServiceConfig } from "../support/sandbox-config.js";
import { serviceApi, waitForRecovery } from "../support/service-api.js";

describe("circuit breaker", () => {
  let redis: TestRedis;
  let sandbox: SandboxProcess;
  let service: ResponderProcess;

  beforeAll(async () => {
    [redis, sandbox] = await Promise.all([startRedis(), startSandboxProcess({ members: 3 })]);
  });
  afterAll(async () => {
    await service?.stop();
    await sandbox?.stop();
    await redis?.stop();
  });

  it("puts a cluster in observe mode after repeated failed recoveries", async () => {
    // Someone else holds the cluster's Lease for an hour, so every recovery fails at its first step once
    // the (short) step deadline passes; one attempt each, so every failure is final.
    await holdLeaseAsAnother(sandbox.info.kubeconfig, "default", "example");
    const config = await writeServiceConfig(sandbox, "breaker.yaml", {
      stepTimeoutSeconds: 1,
      service: [
        "  circuitBreaker: { failures: 2, windowMinutes: 10 }",
        "  retry: { attempts: 1, backoffSeconds: 0.1 }",
      ],
    });
    service = await startResponder({
      mode: "all",
      config,
      redisURL: redis.url,
      env: { KUBECONFIG: sandbox.info.kubeconfig },
    });
    const api = serviceApi(service.url);

    for (const member of [1, 2]) {
      const queued = await api.post("/v1/recoveries", { cluster: "example", member });
      expect(queued.status).toBe(202);
      const { id } = queued.body as RecoveryRequestAnswer;
      const record = await waitForRecovery(api, id, undefined, 30_000);
      expect(record.state, JSON.stringify(record)).toBe("failed");
      expect(record.reason).toMatch(/step lock failed .*someone-else/);
    }

    const { body } = await api.get("/v1/clusters");
    expect((body as ClusterListBody).clusters).toEqual([
      expect.objectContaining({
        name: "example",
        mode: "observe",
        modeSource: "circuit-breaker",
        modeReason: expect.stringMatching(/^2 failed recoveries within 10 min/) as string,
      }),
    ]);
    const metrics = await (await fetch(`http://127.0.0.1:${service.workerPort}/metrics`)).text();
    expect(metrics).toMatch(/^etcd_responder_circuit_breaker_trips_total\{cluster="default\/example"\} 1$/m);
    expect(metrics).toMatch(
      /^etcd_responder_recoveries_total\{cluster="example",namespace="default",outcome="failed"\} 2$/m,
    );
  });
});
