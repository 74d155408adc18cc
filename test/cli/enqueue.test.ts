import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { enqueueCommand } from "../../src/cli/enqueue.js";
import { UsageError } from "../../src/cli/options.js";
import type { RecoveryRecord } from "../../src/queue/recovery-queue.js";
import type { StepRecord } from "../../src/recovery/context.js";

/** What the scripted service saw of one request. */
interface SeenRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

/** One scripted answer: a status and a JSON body. */
interface Answer {
  status: number;
  body: unknown;
}

/**
 * The service's recovery routes as a script: `POST /v1/recoveries` answers `post`, each
 * `GET /v1/recoveries/:id` the next of `gets` (the last one repeats). Only the command's HTTP client is
 * under test here; the end-to-end tests run the command against the real service.
 */
async function scriptedService(post: Answer, gets: Answer[]) {
  const seen: SeenRequest[] = [];
  let next = 0;
  const server: Server = createServer((request: IncomingMessage, response) => {
    let text = "";
    request.on("data", (chunk: Buffer) => (text += chunk.toString()));
    request.on("end", () => {
      seen.push({
        method: request.method ?? "",
        path: request.url ?? "",
        authorization: request.headers.authorization,
        body: text ? JSON.parse(text) : undefined,
      });
      const answer = request.method === "POST" ? post : gets[Math.min(next++, gets.length - 1)]!;
      response.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

const ID = "example-3-1767225600000-a1b2c3";
const queued: Answer = {
  status: 202,
  body: { id: ID, cluster: "example", namespace: "default", member: 3, deduplicated: false },
};

function step(
  name: StepRecord["name"],
  startedAt: number,
  detail: string,
  outcome: StepRecord["outcome"] = "done",
): StepRecord {
  return { name, startedAt, endedAt: startedAt + 100, outcome, detail };
}

function record(state: RecoveryRecord["state"], steps: StepRecord[], extra: Partial<RecoveryRecord> = {}): Answer {
  return {
    status: 200,
    body: {
      id: ID,
      cluster: "example",
      namespace: "default",
      member: 3,
      state,
      mode: "act",
      trigger: { kind: "manual" },
      createdAt: "2026-01-01T00:00:00.000Z",
      attempts: 1,
      steps,
      ...extra,
    },
  };
}

async function run(argv: string[], env: NodeJS.ProcessEnv = { AUTH_TOKEN: "s3cret" }) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await enqueueCommand(argv, {
    stdout: (line) => stdout.push(line),
    stderr: (line) => stderr.push(line),
    env,
  });
  return { code, stdout, stderr };
}

const member3 = (url: string, ...more: string[]) => ["--url", url, "--cluster", "example", "--member", "3", ...more];

describe("etcd-responder enqueue", () => {
  it("queues a recovery with the bearer token and prints each step once, the state changes and the end", async () => {
    const lock = step("lock", 1000, "took Lease default/etcd-responder-example as worker-1");
    const stop = step("stop", 2000, "scaled Deployment example-3 to 0; Pod gone after 0.4 s");
    const service = await scriptedService(queued, [
      record("queued", []),
      record("running", []),
      record("running", [lock]),
      record("running", [lock]),
      record("running", [lock, stop]),
      record("succeeded", [lock, stop], { reason: "recovered member example3 of default/example" }),
    ]);
    const result = await run(member3(service.url, "--namespace", "default"));
    expect(result.code).toBe(0);
    expect(result.stdout).toEqual([
      `queued recovery ${ID}`,
      "running (attempt 1)",
      "[lock] took Lease default/etcd-responder-example as worker-1",
      "[stop] scaled Deployment example-3 to 0; Pod gone after 0.4 s",
      "succeeded: recovered member example3 of default/example",
    ]);
    expect(result.stderr).toEqual([]);
    expect(service.seen[0]).toEqual({
      method: "POST",
      path: "/v1/recoveries",
      authorization: "Bearer s3cret",
      body: { cluster: "example", member: 3, namespace: "default" },
    });
    expect(service.seen.slice(1).every((r) => r.method === "GET" && r.path === `/v1/recoveries/${ID}`)).toBe(true);
  });

  it("says when it joined a recovery already queued", async () => {
    const service = await scriptedService({ status: 202, body: { ...(queued.body as object), deduplicated: true } }, [
      record("succeeded", [], { reason: "done" }),
    ]);
    expect((await run(member3(service.url))).stdout[0]).toBe(`joined the queued recovery ${ID}`);
  });

  for (const [state, code] of [
    ["skipped", 3],
    ["refused", 4],
    ["failed", 1],
  ] as const) {
    it(`exits ${code} when the recovery ends ${state}`, async () => {
      const service = await scriptedService(queued, [record(state, [], { reason: `${state} because` })]);
      const result = await run(member3(service.url));
      expect(result.code).toBe(code);
      expect(result.stdout.at(-1)).toBe(`${state}: ${state} because`);
    });
  }

  it("shows a retried attempt and prints the steps of each attempt", async () => {
    const lock1 = step("lock", 1000, "took Lease");
    const diagnose1 = step("diagnose", 1200, "cannot tell yet", "failed");
    const lock2 = step("lock", 5000, "took Lease");
    const service = await scriptedService(queued, [
      record("running", [lock1, diagnose1]),
      record("queued", [lock1, diagnose1], { error: "not diagnosable yet" }),
      record("running", [lock2], { attempts: 2 }),
      record("succeeded", [lock2], { attempts: 2, reason: "recovered" }),
    ]);
    const result = await run(member3(service.url));
    expect(result.stdout).toEqual([
      `queued recovery ${ID}`,
      "running (attempt 1)",
      "[lock] took Lease",
      "[diagnose] FAILED: cannot tell yet",
      "queued again after attempt 1: not diagnosable yet",
      "running (attempt 2)",
      "[lock] took Lease",
      "succeeded: recovered",
    ]);
  });

  it("prints the plan of a recovery in observe mode", async () => {
    const service = await scriptedService(queued, [
      record(
        "succeeded",
        [step("diagnose", 1, "Pod example-3-x is in CrashLoopBackOff"), step("guard", 2, "4 of 5 members answer")],
        {
          mode: "observe",
          reason: "Pod example-3-x is in CrashLoopBackOff",
          plan: ["scale Deployment example-3 to 0", "remove member example3"],
        },
      ),
    ]);
    const result = await run(member3(service.url));
    expect(result.code).toBe(0);
    expect(result.stdout.slice(-4)).toEqual([
      "plan (observe mode: nothing was changed):",
      "  1. scale Deployment example-3 to 0",
      "  2. remove member example3",
      "succeeded: Pod example-3-x is in CrashLoopBackOff",
    ]);
  });

  it("says the token is missing or wrong on a 401, in one line, and exits 1", async () => {
    const service = await scriptedService(
      { status: 401, body: { error: "missing or invalid credentials: send Authorization: Bearer <token>" } },
      [],
    );
    const result = await run(member3(service.url), {});
    expect(result.code).toBe(1);
    expect(result.stderr).toEqual([expect.stringMatching(/^etcd-responder enqueue: .*the token is missing or wrong/)]);
    expect(service.seen[0]?.authorization).toBeUndefined();
  });

  it("prints the service's error message for a refused request and exits 1", async () => {
    const service = await scriptedService(
      { status: 404, body: { error: 'no configured cluster "exmaple"; configured clusters: default/example' } },
      [],
    );
    const result = await run(member3(service.url));
    expect(result.code).toBe(1);
    expect(result.stderr).toEqual([
      'etcd-responder enqueue: no configured cluster "exmaple"; configured clusters: default/example (HTTP 404)',
    ]);
    expect(result.stdout).toEqual([]);
  });

  it("keeps following through a 503, saying so once", async () => {
    const unavailable: Answer = {
      status: 503,
      body: { error: "cannot read a recovery: Redis at 127.0.0.1:6379 is unreachable; try again later" },
    };
    const service = await scriptedService(queued, [
      unavailable,
      unavailable,
      record("succeeded", [], { reason: "recovered" }),
    ]);
    const result = await run(member3(service.url));
    expect(result.code).toBe(0);
    expect(result.stderr).toEqual([
      expect.stringMatching(/Redis at 127\.0\.0\.1:6379 is unreachable.*\(HTTP 503\); still trying$/),
    ]);
  });

  it("gives up after --timeout and exits 1", async () => {
    const service = await scriptedService(queued, [record("running", [])]);
    const result = await run(member3(service.url, "--timeout", "0.6"));
    expect(result.code).toBe(1);
    expect(result.stderr).toEqual([
      `etcd-responder enqueue: gave up after 600 ms waiting for recovery ${ID} to end ` +
        "(last: the recovery was still running)",
    ]);
  });

  it("says when the service cannot be reached", async () => {
    const service = await scriptedService(queued, []);
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const result = await run(member3(service.url));
    expect(result.code).toBe(1);
    expect(result.stderr).toEqual([`etcd-responder enqueue: cannot reach ${service.url}: ECONNREFUSED`]);
  });

  it("reads the token from AUTH_TOKEN_FILE", async () => {
    const dir = await mkdtemp(join(tmpdir(), "enqueue-token-"));
    try {
      await writeFile(join(dir, "token"), "from-a-file\n");
      const service = await scriptedService(queued, [record("succeeded", [], { reason: "ok" })]);
      await run(member3(service.url), { AUTH_TOKEN_FILE: join(dir, "token") });
      expect(service.seen[0]?.authorization).toBe("Bearer from-a-file");
      const unreadable = await run(member3(service.url), { AUTH_TOKEN_FILE: join(dir, "missing") });
      expect(unreadable.code).toBe(2);
      expect(unreadable.stderr).toEqual([
        expect.stringMatching(/^etcd-responder enqueue: cannot read AUTH_TOKEN_FILE/),
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("rejects a command line it cannot run as a usage error", async () => {
    await expect(run(["--cluster", "example", "--member", "3"])).rejects.toThrow(UsageError);
    await expect(run(["--url", "http://x", "--cluster", "example", "--member", "three"])).rejects.toThrow(
      /--member must be a member number/,
    );
    await expect(run(["--url", "ftp://x", "--cluster", "example", "--member", "3"])).rejects.toThrow(/--url must be/);
    await expect(run(["--url", "http://x", "--cluster", "example", "--member", "3", "--timeout", "0"])).rejects.toThrow(
      /--timeout/,
    );
    await expect(run(["--url", "http://x", "--cluster", "example", "--member", "3", "--follow"])).rejects.toThrow(
      UsageError,
    );
  });
});
