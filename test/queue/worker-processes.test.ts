import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/core/config/load.js";
import { createRecoveryQueue } from "../../src/queue/bullmq-queue.js";
import type { RecoveryQueue } from "../../src/queue/recovery-queue.js";
import { createLogger } from "../../src/core/logger.js";
import { repoRoot } from "../support/tools.js";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { uniquePrefix, waitFor, requestFor } from "../support/queue.js";

const FIXTURE = resolve(repoRoot, "test/support/worker-process.ts");
const CONFIG = [
  "clusters:",
  "  - { name: a, namespace: etcd, members: 3 }",
  "  - { name: b, namespace: etcd, members: 1 }",
  "service:",
  "  retry: { attempts: 2, backoffSeconds: 0.1 }",
  "",
].join("\n");
const config = parseConfig(CONFIG, "test.yaml");
const logger = createLogger({ level: "silent" });

/** A run the fixture recorded. */
interface Run {
  key: string;
  cluster: string;
  member: number;
  start: number;
  end: number;
  pid: number;
}

let redis: TestRedis;
let reader: Redis;
const children = new Set<ChildProcess>();
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  redis = await startRedis();
  reader = new Redis(redis.url);
});
afterEach(async () => {
  for (const child of children) await kill(child);
  children.clear();
  for (const close of closers.splice(0).reverse()) await close();
});
afterAll(async () => {
  reader?.disconnect();
  await redis?.stop();
});

/** Starts a worker process and waits until it prints `ready`. */
async function startWorkerProcess(prefix: string, env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", FIXTURE], {
    cwd: repoRoot,
    env: { ...process.env, REDIS_URL: redis.url, PREFIX: prefix, CONFIG, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + String(chunk)).slice(-4000)));
  await new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`worker process did not print ready within 20 s:\n${stderr}`)),
      20_000,
    );
    child.stdout?.on("data", (chunk: Buffer) => {
      if (String(chunk).includes("ready")) {
        clearTimeout(timer);
        resolveReady();
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`worker process exited (${code ?? signal}) before it was ready:\n${stderr}`));
    });
  });
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolveExit) => child.once("exit", () => resolveExit()));
  child.kill("SIGKILL");
  await exited;
}

function openQueue(prefix: string): RecoveryQueue {
  const queue = createRecoveryQueue({ connection: { url: redis.url }, config, prefix, logger });
  closers.push(() => queue.close());
  return queue;
}

async function runs(prefix: string): Promise<Run[]> {
  return (await reader.lrange(`${prefix}:test:runs`, 0, -1)).map((line) => JSON.parse(line) as Run);
}

const overlaps = (x: Run, y: Run) => x.start < y.end && y.start < x.end;

describe("worker processes", () => {
  it("run one recovery per cluster at a time across processes, and clusters in parallel", async () => {
    const prefix = uniquePrefix("processes");
    const queue = openQueue(prefix);
    const [one, two] = await Promise.all([
      startWorkerProcess(prefix, { RUN_MS: "300" }),
      startWorkerProcess(prefix, { RUN_MS: "300" }),
    ]);
    expect(one?.pid).not.toBe(two?.pid);

    const requests = [
      { cluster: "a", member: 1 },
      { cluster: "a", member: 2 },
      { cluster: "a", member: 3 },
      { cluster: "b", member: 1 },
    ];
    const ids = await Promise.all(requests.map((r) => queue.enqueue(requestFor(config, r.cluster, r.member))));
    for (const { id } of ids) {
      await waitFor(
        `recovery ${id} to succeed`,
        async () => ((await queue.get(id))?.state === "succeeded" ? true : undefined),
        20_000,
      );
    }

    const recorded = await runs(prefix);
    expect(recorded).toHaveLength(4);
    const a = recorded.filter((run) => run.cluster === "a");
    const [b] = recorded.filter((run) => run.cluster === "b");
    expect(a).toHaveLength(3);
    for (const x of a)
      for (const y of a) if (x !== y) expect(overlaps(x, y), `${x.key} and ${y.key} overlapped`).toBe(false);
    expect(
      a.some((x) => b && overlaps(x, b)),
      "cluster b ran while cluster a was recovering",
    ).toBe(true);
  });

  it("resume a recovery whose worker process was killed, in another process", async () => {
    const prefix = uniquePrefix("stalled");
    const queue = openQueue(prefix);
    const stall = { LOCK_MS: "2000", STALLED_MS: "1000" };
    const doomed = await startWorkerProcess(prefix, { RUN_MS: "60000", ...stall });
    const { id } = await queue.enqueue(requestFor(config, "b", 1, { kind: "manual" }));
    const startsKey = `${prefix}:test:starts:etcd/b/1`;
    await waitFor("the first process to start the recovery", async () =>
      (await reader.get(startsKey)) === "1" ? true : undefined,
    );
    await kill(doomed);
    expect((await queue.get(id))?.state).toBe("running");

    await startWorkerProcess(prefix, { RUN_MS: "300", ...stall });
    const record = await waitFor(
      `recovery ${id} to end`,
      async () => {
        const found = await queue.get(id);
        return found && (found.state === "succeeded" || found.state === "failed") ? found : undefined;
      },
      20_000,
    );
    expect(record).toMatchObject({ state: "succeeded", attempts: 2 });
    expect(await reader.get(startsKey)).toBe("2");
    const recorded = await runs(prefix);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]?.pid).not.toBe(doomed.pid);
  });
});
