import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conventionalPodName, crashLoopNotification } from "../support/crash-loop-notification.js";
import { MASTER_NAME, startSentinelSet, type TestSentinelSet } from "../support/redis-sentinel.js";
import { startResponder, type ResponderProcess } from "../support/responder-process.js";
import { serviceApi } from "../support/service-api.js";
import { tokenKubeconfig } from "../support/token-kubeconfig.js";

const CONFIG = ["clusters:", "  - name: example", "    members: 3", ""].join("\n");
const MASTER_PASSWORD = "master-Redis-pw-4a9e17";
const SENTINEL_PASSWORD = "right-Sentinel-pw-83c2d5";
const WRONG_SENTINEL_PASSWORD = "wrong-Sentinel-pw-6f01ba";

describe("through Sentinel, neither the Redis nor the Sentinels' password reaches a log line, even at debug", () => {
  let set: TestSentinelSet;
  let dir: string;
  let config: string;
  const services: ResponderProcess[] = [];
  const kubeconfig = () => join(dir, "kubeconfig");
  const sentinelEnv = (sentinelPassword: string) => ({
    KUBECONFIG: kubeconfig(),
    LOG_LEVEL: "debug",
    REDIS_URL: `redis://:${MASTER_PASSWORD}@unused:6379/0`,
    REDIS_SENTINELS: set.addresses,
    REDIS_MASTER_NAME: MASTER_NAME,
    REDIS_SENTINEL_PASSWORD: sentinelPassword,
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "redis-sentinel-password-logs-"));
    config = join(dir, "responder.yaml");
    await writeFile(config, CONFIG);
    // No Kubernetes is needed: the kubeconfig points at a port nobody serves.
    await writeFile(kubeconfig(), tokenKubeconfig("https://127.0.0.1:1"));
    set = await startSentinelSet({ password: MASTER_PASSWORD, sentinelPassword: SENTINEL_PASSWORD });
  });
  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()));
    await set?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("a wrong Sentinel password: the connections say the Sentinels refused it, and never log it", async () => {
    const service = await startResponder({
      mode: "all",
      config,
      env: sentinelEnv(WRONG_SENTINEL_PASSWORD),
      waitUntilStarted: false,
    });
    services.push(service);
    const lines = await Promise.all(
      ["recovery-queue", "cluster-modes"].map((name) =>
        service.waitForLog(
          `a redis connection error of ${name}`,
          (line) => line.msg === "redis connection error" && line.name === name,
        ),
      ),
    );
    const answer = await serviceApi(`http://127.0.0.1:${await receiverPort(service)}`).post(
      "/v1/alerts",
      crashLoopNotification([{ pod: conventionalPodName("example-2") }]),
    );
    await service.stop();

    expect(answer.status).toBe(503);
    for (const line of lines) {
      expect(line).toMatchObject({
        level: "debug",
        redis: `master ${MASTER_NAME} of Sentinels ${set.addresses}`,
        err: { message: expect.stringMatching(/^All sentinels are unreachable.*Last error: WRONGPASS/) as string },
        hint: expect.stringMatching(/Sentinels .* refused the credentials: check REDIS_SENTINEL_PASSWORD$/) as string,
      });
    }
    for (const secret of [WRONG_SENTINEL_PASSWORD, SENTINEL_PASSWORD, MASTER_PASSWORD])
      expect(service.output()).not.toContain(secret);
  });

  it("the right passwords: the service works and its debug log holds neither", async () => {
    const service = await startResponder({ mode: "all", config, env: sentinelEnv(SENTINEL_PASSWORD) });
    services.push(service);
    const accepted = await serviceApi(service.url).post(
      "/v1/alerts",
      crashLoopNotification([{ pod: conventionalPodName("example-2") }]),
    );
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
    await service.stop();

    expect(service.logs().some((line) => line.level === "debug")).toBe(true);
    for (const secret of [SENTINEL_PASSWORD, MASTER_PASSWORD]) expect(service.output()).not.toContain(secret);
  });
});

/** The receiver's port from its `listening` line, for a service started without waiting for it. */
async function receiverPort(service: ResponderProcess): Promise<number> {
  const line = await service.waitForLog(
    "the receiver listening",
    (candidate) => candidate.msg === "listening" && candidate.role === "receiver",
  );
  return Number(line.port);
}
