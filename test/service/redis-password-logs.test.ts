import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LogLine } from "../support/child-output.js";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { startResponder, type ResponderProcess } from "../support/responder-process.js";
import { serviceApi } from "../support/service-api.js";
import { tokenKubeconfig } from "../support/token-kubeconfig.js";
import { conventionalPodName, crashLoopNotification } from "../support/crash-loop-notification.js";

const CONFIG = ["clusters:", "  - name: example", "    members: 3", ""].join("\n");
const RIGHT_PASSWORD = "right-Redis-pw-7c41d9";
const WRONG_PASSWORD = "wrong-Redis-pw-2e8b53";

/** `redis://:PASSWORD@127.0.0.1:PORT` of the test's Redis. */
function urlWithPassword(redis: TestRedis, password: string): string {
  return `redis://:${password}@127.0.0.1:${redis.port}`;
}

/** The `redis connection error` line of the connection logged as `name`. */
function connectionError(name: string): (line: LogLine) => boolean {
  return (line) => line.msg === "redis connection error" && line.name === name;
}

describe("the Redis password never reaches a log line, even at debug", () => {
  let redis: TestRedis;
  let dir: string;
  let config: string;
  const services: ResponderProcess[] = [];
  const kubeconfig = () => join(dir, "kubeconfig");

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "redis-password-logs-"));
    config = join(dir, "responder.yaml");
    await writeFile(config, CONFIG);
    // No Kubernetes is needed: the kubeconfig points at a port nobody serves.
    await writeFile(kubeconfig(), tokenKubeconfig("https://127.0.0.1:1"));
    redis = await startRedis({ password: RIGHT_PASSWORD });
  });
  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()));
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("a wrong password: every connection logs what failed and what to do, never the password", async () => {
    const service = await startResponder({
      mode: "all",
      config,
      redisURL: urlWithPassword(redis, WRONG_PASSWORD),
      env: { KUBECONFIG: kubeconfig(), LOG_LEVEL: "debug" },
      waitUntilStarted: false,
    });
    services.push(service);
    // The receiver's queue and modes, and the worker's own connection.
    const lines = await Promise.all(
      ["recovery-queue", "cluster-modes", "recovery-worker"].map((name) =>
        service.waitForLog(`a redis connection error of ${name}`, connectionError(name)),
      ),
    );
    // The worker's warning says why it cannot start.
    const notStarted = await service.waitForLog(
      "the recovery workers failing to start",
      (line) => line.msg === "cannot start the recovery workers; trying again",
    );
    await service.stop();

    expect(notStarted).toMatchObject({
      level: "warn",
      err: { message: expect.stringContaining(": WRONGPASS") as string },
    });
    for (const line of lines) {
      expect(line).toMatchObject({
        level: "debug",
        redis: `127.0.0.1:${redis.port}`,
        err: { message: expect.stringMatching(/^WRONGPASS/) as string, command: { name: "auth", args: "[redacted]" } },
        hint: expect.stringMatching(/password in REDIS_URL/) as string,
      });
    }
    expect(service.logs().length).toBeGreaterThan(lines.length);
    expect(service.output()).not.toContain(WRONG_PASSWORD);
    expect(service.output()).not.toContain(RIGHT_PASSWORD);
  });

  it("the right password: the service works and its debug log never holds the password", async () => {
    const service = await startResponder({
      mode: "all",
      config,
      redisURL: urlWithPassword(redis, RIGHT_PASSWORD),
      env: { KUBECONFIG: kubeconfig(), LOG_LEVEL: "debug" },
    });
    services.push(service);
    const accepted = await serviceApi(service.url).post(
      "/v1/alerts",
      crashLoopNotification([{ pod: conventionalPodName("example-2") }]),
    );
    expect(accepted.status).toBe(202);
    await service.stop();

    expect(service.logs().some((line) => line.level === "debug")).toBe(true);
    expect(service.output()).not.toContain(RIGHT_PASSWORD);
  });
});
