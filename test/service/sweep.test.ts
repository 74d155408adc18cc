import type { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecoveryRecord } from "../../src/queue/recovery-queue.js";
import { expectHealthyCluster, writeKeys } from "../support/etcd-cluster-checks.js";
import { breakUntilCrashLooping } from "../support/crash-looping-member.js";
import { kubeConfigFrom } from "../support/pod-watch.js";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { startResponder, type ResponderProcess } from "../support/responder-process.js";
import { startSandboxProcess, type SandboxProcess } from "../support/sandbox-process.js";
import { writeServiceConfig } from "../support/sandbox-config.js";
import { serviceApi, waitForRecovery } from "../support/service-api.js";

const KEYS = 20;

describe("the crash-loop sweep in a running service", () => {
  let redis: TestRedis;
  let sandbox: SandboxProcess;
  let kc: KubeConfig;
  let service: ResponderProcess;

  beforeAll(async () => {
    [redis, sandbox] = await Promise.all([startRedis(), startSandboxProcess({ members: 3 })]);
    kc = kubeConfigFrom(sandbox.info.kubeconfig);
    await writeKeys(sandbox.info, sandbox.info.clusters[0]!, "before", KEYS);
  });
  afterAll(async () => {
    await service?.stop();
    await sandbox?.stop();
    await redis?.stop();
  });

  it("recovers a crash-looping member that no alert reported", async () => {
    const config = await writeServiceConfig(sandbox, "sweep.yaml", {
      service: ["  sweep: { enabled: true, intervalSeconds: 1 }"],
    });
    service = await startResponder({
      mode: "all",
      config,
      redisURL: redis.url,
      env: { KUBECONFIG: sandbox.info.kubeconfig },
    });
    await service.waitForLog("the sweep to start", (line) => line.msg === "crash-loop sweep started");
    const api = serviceApi(service.url);

    // A member scaled to 0 is one someone stopped; the sweep leaves it alone, so the test needs the crash loop.
    const pod = await breakUntilCrashLooping(kc, "default", "example", 2);
    const queued = await service.waitForLog(
      "the sweep to queue a recovery",
      (line) => line.msg === "sweep queued a recovery",
      30_000,
    );
    expect(queued).toMatchObject({ cluster: "default/example", member: 2 });
    const record: RecoveryRecord = await waitForRecovery(api, String(queued.id));
    expect(record.state, JSON.stringify(record)).toBe("succeeded");
    expect(record.trigger).toEqual({ kind: "sweep", pod });
    await expectHealthyCluster(sandbox, sandbox.info.clusters[0]!, "before", KEYS);
  });
});
