import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf } from "../support/api-bodies.js";
import { conventionalPodName, crashLoopNotification } from "../support/crash-loop-notification.js";
import { processAlive } from "../support/processes.js";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { startResponder, type ResponderProcess } from "../support/responder-process.js";
import { serviceApi } from "../support/service-api.js";

const CONFIG = ["clusters:", "  - name: example", "    members: 3", ""].join("\n");

/** GET a probe; the status code. */
async function probe(port: number | undefined, path = "/readyz"): Promise<number> {
  return (await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) })).status;
}

/** Polls `check` every 100 ms until it returns true; rejects after `timeoutMs` naming what it waited for. */
async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("service processes: start, refuse to start, stop", () => {
  let redis: TestRedis;
  let dir: string;
  let config: string;
  const services: ResponderProcess[] = [];
  // The Redis and kubeconfig of every service here. No Kubernetes is needed: the kubeconfig points at a port
  // nobody serves, so no real cluster is ever reached.
  const connections = () => ({ redisURL: redis.url, env: { KUBECONFIG: join(dir, "kubeconfig") } });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "service-lifecycle-"));
    config = join(dir, "responder.yaml");
    await writeFile(config, CONFIG);
    await writeFile(
      join(dir, "kubeconfig"),
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters: [{name: none, cluster: {server: 'https://127.0.0.1:1'}}]",
        "users: [{name: none, user: {}}]",
        "contexts: [{name: none, context: {cluster: none, user: none}}]",
        "current-context: none",
        "",
      ].join("\n"),
    );
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()));
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("`all` exits 0 within seconds of SIGTERM and leaves no process", async () => {
    const service = await startResponder({ mode: "all", config, ...connections() });
    services.push(service);
    expect(await probe(service.port)).toBe(200);
    expect(await probe(service.workerPort)).toBe(200);
    const started = Date.now();
    const exit = await service.stop(10_000);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(processAlive(service.pid)).toBe(false);
    expect(service.logs().map((line) => line.msg)).toEqual(
      expect.arrayContaining(["shutting down: taking no more work", "recovery workers stopped", "stopped"]),
    );
  });

  it("`serve` without credentials refuses to start: one line, exit 2", async () => {
    const { redisURL, env } = connections();
    const service = await startResponder({
      mode: "serve",
      config,
      redisURL,
      env: { ...env, AUTH_TOKEN: undefined, AUTH_TOKEN_FILE: undefined },
      waitUntilStarted: false,
    });
    services.push(service);
    expect(await service.exited).toEqual({ code: 2, signal: null });
    expect(service.output().trim().split("\n")).toEqual([
      "etcd-responder serve: refusing to start without credentials: " +
        "set AUTH_TOKEN or AUTH_TOKEN_FILE (or pass --insecure-no-auth)",
    ]);
  });

  it("a configuration error is one line and exit 2", async () => {
    const broken = join(dir, "broken.yaml");
    await writeFile(broken, "clusters:\n  - name: example\n    members: five\n");
    const service = await startResponder({ mode: "worker", config: broken, ...connections(), waitUntilStarted: false });
    services.push(service);
    expect(await service.exited).toEqual({ code: 2, signal: null });
    const lines = service.output().trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^etcd-responder worker: .*broken\.yaml: clusters\[0\]\.members: /);
  });

  it("Sentinels without a master name are one line and exit 2, the Sentinel password never repeated", async () => {
    const { env } = connections();
    const service = await startResponder({
      mode: "all",
      config,
      env: { ...env, REDIS_SENTINELS: "127.0.0.1:26379", REDIS_SENTINEL_PASSWORD: "sentinel-pw-91d2" },
      waitUntilStarted: false,
    });
    services.push(service);
    expect(await service.exited).toEqual({ code: 2, signal: null });
    expect(service.output().trim().split("\n")).toEqual([
      "etcd-responder all: REDIS_SENTINELS and REDIS_MASTER_NAME go together (Sentinel is used with both, neither " +
        "means REDIS_URL alone); REDIS_MASTER_NAME is not set",
    ]);
  });

  it("starts while Redis is down: not ready, webhook 503, workers retrying; ready once Redis answers", async () => {
    await redis.stopTemporarily();
    try {
      const service = await startResponder({ mode: "all", config, ...connections(), waitUntilStarted: false });
      services.push(service);
      const receiver = await service.waitForLog(
        "listening (receiver)",
        (l) => l.msg === "listening" && l.role === "receiver",
      );
      const worker = await service.waitForLog(
        "listening (worker)",
        (l) => l.msg === "listening" && l.role === "worker",
      );
      expect(await probe(Number(receiver.port))).toBe(503);
      expect(await probe(Number(worker.port))).toBe(503);
      expect(await probe(Number(worker.port), "/healthz")).toBe(200);
      const alert = await serviceApi(`http://127.0.0.1:${Number(receiver.port)}`).post(
        "/v1/alerts",
        crashLoopNotification([
          { namespace: "default", pod: conventionalPodName("example-1"), fingerprint: "aa00bb11cc22dd33" },
        ]),
      );
      expect(alert.status).toBe(503);
      expect(errorOf(alert.body)).toMatch(/Redis at 127\.0\.0\.1:\d+ is unreachable/);
      await service.waitForLog(
        "a retried start of the workers",
        (l) => l.msg === "cannot start the recovery workers; trying again",
      );
      expect(processAlive(service.pid)).toBe(true);

      await redis.restart();
      await eventually("the worker to be ready", async () => (await probe(Number(worker.port))) === 200);
      expect(await probe(Number(receiver.port))).toBe(200);
      expect(await service.stop(10_000)).toEqual({ code: 0, signal: null });
    } finally {
      await redis.restart();
    }
  });
});
