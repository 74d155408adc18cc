import { join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { afterAll, assert, beforeAll, describe, expect, it } from "vitest";
import type { AlertsAnswer } from "../../src/intake/alerts.js";
import type { RecoveryRecord } from "../../src/queue/recovery-queue.js";
import type { RecoveryListBody } from "../support/api-bodies.js";
import { conventionalPodName, crashLoopNotification } from "../support/crash-loop-notification.js";
import { breakUntilCrashLooping } from "../support/crash-looping-member.js";
import { kubeConfigFrom } from "../support/pod-watch.js";
import { MASTER_NAME, startSentinelSet, type TestSentinelSet } from "../support/redis-sentinel.js";
import { startResponder, type ResponderProcess } from "../support/responder-process.js";
import { startSandboxProcess, type SandboxProcess } from "../support/sandbox-process.js";
import { isFinal, serviceApi, stepWindow, waitForRecovery, type ServiceApi } from "../support/service-api.js";

/** One notification posted while the master was killed, and how the service answered it. */
interface Posted {
  /** The member the notification's one alert is about. */
  member: number;
  sentAt: number;
  answeredAt: number;
  /** The HTTP status; 0 when no answer came (the request failed). */
  status: number;
  body: unknown;
}

/**
 * Posts one-alert notifications in turn for `pods` (member index to Pod name) with `parallel` senders until
 * `stop()`, and lets a test wait for answers as they arrive.
 */
function startPosting(api: ServiceApi, pods: ReadonlyMap<number, string>, parallel: number) {
  const posted: Posted[] = [];
  const waiters: { done: () => boolean; resolve: () => void }[] = [];
  let stopped = false;
  let turn = 0;
  const members = [...pods.keys()];
  const sender = async () => {
    while (!stopped) {
      const member = members[turn++ % members.length]!;
      const sentAt = Date.now();
      let status = 0;
      let body: unknown;
      try {
        const answer = await api.post(
          "/v1/alerts",
          crashLoopNotification([{ namespace: "default", pod: pods.get(member)! }]),
        );
        ({ status, body } = answer);
      } catch (error) {
        body = error instanceof Error ? error.message : String(error);
      }
      posted.push({ member, sentAt, answeredAt: Date.now(), status, body });
      for (const waiter of waiters.splice(0)) {
        if (waiter.done()) waiter.resolve();
        else waiters.push(waiter);
      }
    }
  };
  const senders = Array.from({ length: parallel }, () => sender());
  return {
    posted,
    /** Resolves once `done(posted)` holds after an answer; rejects after `timeoutMs`, saying what it waited for. */
    waitFor: (what: string, done: (all: readonly Posted[]) => boolean, timeoutMs: number) =>
      new Promise<void>((resolve, reject) => {
        if (done(posted)) return resolve();
        const timer = setTimeout(() => {
          const last = posted.at(-1);
          reject(new Error(`${what}: not within ${timeoutMs} ms (last answer: ${JSON.stringify(last)})`));
        }, timeoutMs);
        waiters.push({
          done: () => done(posted),
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      }),
    stop: async () => {
      stopped = true;
      await Promise.all(senders);
    },
  };
}

describe("Redis through Sentinel: the master SIGKILLed while alerts arrive and a recovery runs", () => {
  let set: TestSentinelSet | undefined;
  let sandbox: SandboxProcess | undefined;
  let service: ResponderProcess | undefined;
  // Every sender started, stopped in afterAll too: a failed test leaves none posting.
  const postings: ReturnType<typeof startPosting>[] = [];
  const post = (api: ServiceApi, pods: ReadonlyMap<number, string>) => {
    const posting = startPosting(api, pods, 2);
    postings.push(posting);
    return posting;
  };

  beforeAll(async () => {
    [set, sandbox] = await Promise.all([startSentinelSet(), startSandboxProcess({})]);
    service = await startResponder({
      mode: "all",
      config: join(sandbox.dir, "responder.yaml"),
      env: {
        KUBECONFIG: sandbox.info.kubeconfig,
        REDIS_URL: undefined,
        REDIS_SENTINELS: set.addresses,
        REDIS_MASTER_NAME: MASTER_NAME,
      },
    });
  });
  afterAll(async () => {
    await Promise.all(postings.map((posting) => posting.stop()));
    await service?.stop();
    await sandbox?.stop();
    await set?.stop();
  });

  it("loses no accepted alert, runs one recovery of the cluster at a time, answers only 202 or 503", async () => {
    assert(set && sandbox && service);
    const api = serviceApi(service.url);
    const kc: KubeConfig = kubeConfigFrom(sandbox.info.kubeconfig);

    const brokenPod = await breakUntilCrashLooping(kc, "default", "example", 3);
    const first = await api.post("/v1/alerts", crashLoopNotification([{ namespace: "default", pod: brokenPod }]));
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    const [queued] = (first.body as AlertsAnswer).enqueued;
    assert.isDefined(queued);

    // Alerts for the broken member and for two healthy ones: the healthy ones queue recoveries of the same
    // cluster behind the running one (they find nothing to do), so the history has several to compare.
    const pods = new Map([
      [3, brokenPod],
      [1, conventionalPodName("example-1")],
      [2, conventionalPodName("example-2")],
    ]);
    const posting = post(api, pods);
    await waitForRecovery(api, queued.id, (record) => record.state === "running" && record.steps.length > 0);
    await posting.waitFor("a 202 before the kill", (all) => all.some((p) => p.status === 202), 10_000);

    const switched = set.nextSwitch(30_000);
    const killedAt = Date.now();
    await set.master.stopTemporarily();
    const newMaster = await switched;
    expect(newMaster).toBe(set.replica.port);
    expect(await set.masterPort()).toBe(set.replica.port);

    // The new master has no replica to confirm requests until the old one is back as its replica. Reads work:
    // once one is answered the service is connected to the new master, and no alert may be accepted.
    await waitForAnswer(api, "/v1/recoveries?cluster=example&limit=1", 200, 15_000);
    const readFromNewMasterAt = Date.now();
    await posting.waitFor(
      "3 answers to alerts sent once the service read from the new master",
      (all) => all.filter((p) => p.sentAt > readFromNewMasterAt).length >= 3,
      15_000,
    );
    const restartedAt = Date.now();
    await set.master.restart(["--replicaof", "127.0.0.1", String(newMaster)]);
    await set.waitForReplica(set.master.port, 20_000);
    const backAt = Date.now();
    await posting.waitFor(
      "5 answers 202 to alerts sent once the old master was back as a replica",
      (all) => all.filter((p) => p.sentAt > backAt && p.status === 202).length >= 5,
      20_000,
    );
    await posting.stop();
    const posted = posting.posted;

    const running = await waitForRecovery(api, queued.id, isFinal, 40_000);
    expect(running.state, JSON.stringify(running)).toBe("succeeded");
    expect(Date.parse(running.finishedAt ?? "")).toBeGreaterThan(killedAt);

    // Every answer is 202 or 503, and no alert sent while no replica could confirm it was accepted.
    expectOnly202And503(posted);
    expect(posted.some((p) => p.status === 503)).toBe(true);
    const unconfirmed = posted.filter((p) => p.sentAt > readFromNewMasterAt && p.answeredAt <= restartedAt);
    expect(unconfirmed.length).toBeGreaterThanOrEqual(3);
    expect(unconfirmed.filter((p) => p.status !== 503)).toEqual([]);

    const history = await waitForQuietHistory(api);
    expectAcceptedInHistory(posted, history);
    expectOneRecoveryAtATime(history);
  });

  it("after a SENTINEL FAILOVER writes go to the promoted master, and the demoted one is left", async () => {
    assert(set && service);
    const api = serviceApi(service.url);
    const pods = new Map([
      [1, conventionalPodName("example-1")],
      [2, conventionalPodName("example-2")],
    ]);
    const before = await set.masterPort();
    const posting = post(api, pods);
    await posting.waitFor("a 202 before the failover", (all) => all.some((p) => p.status === 202), 10_000);

    const switched = set.nextSwitch(30_000);
    await set.failover();
    const promoted = await switched;
    const switchedAt = Date.now();
    expect(promoted).not.toBe(before);
    expect([set.master.port, set.replica.port]).toContain(promoted);
    // The demoted master becomes the promoted one's replica: both stay up, nothing is restarted.
    const enqueuedAfterSwitch = (all: readonly Posted[]) =>
      all.flatMap((p) => (p.sentAt > switchedAt && p.status === 202 ? (p.body as AlertsAnswer).enqueued : []));
    await posting.waitFor(
      "5 answers 202, one of them a new recovery, to alerts sent after the switch",
      (all) =>
        all.filter((p) => p.sentAt > switchedAt && p.status === 202).length >= 5 && enqueuedAfterSwitch(all).length > 0,
      20_000,
    );
    await posting.stop();
    const posted = posting.posted;

    expectOnly202And503(posted);
    const history = await waitForQuietHistory(api);
    expectAcceptedInHistory(posted, history);
    expectOneRecoveryAtATime(history);
    // A recovery queued after the switch is on the promoted master.
    const after = enqueuedAfterSwitch(posted);
    expect(after.length).toBeGreaterThan(0);
    for (const { id } of after)
      expect(await set.hasKey(promoted, `etcd-responder:recover.default.example:${id}`), id).toBe(true);
  });
});

/** Fails on any answer other than 202 or 503, and on a request that got no answer. */
function expectOnly202And503(posted: readonly Posted[]): void {
  const unexpected = posted.filter((p) => p.status !== 202 && p.status !== 503);
  expect(unexpected, JSON.stringify(unexpected.slice(0, 3))).toEqual([]);
}

/** Every alert answered 202 is in the history: its new recovery by id, or the member's recovery it joined. */
function expectAcceptedInHistory(posted: readonly Posted[], history: readonly RecoveryRecord[]): void {
  const ids = new Set(history.map((record) => record.id));
  const accepted = posted.filter((p) => p.status === 202);
  expect(accepted.length).toBeGreaterThan(0);
  for (const answer of accepted) {
    const body = answer.body as AlertsAnswer;
    expect(body.enqueued.length + body.deduplicated, JSON.stringify(body)).toBe(1);
    for (const { id } of body.enqueued) expect(ids.has(id), `recovery ${id} of an answered alert`).toBe(true);
    if (body.deduplicated === 1) {
      const joined = history.filter(
        (record) => record.member === answer.member && Date.parse(record.createdAt) <= answer.answeredAt,
      );
      expect(joined.length, `a recovery of member ${answer.member} before ${answer.answeredAt}`).toBeGreaterThan(0);
    }
  }
}

/** No two recoveries of the cluster held it at once: their step windows, in order, do not overlap. */
function expectOneRecoveryAtATime(history: readonly RecoveryRecord[]): void {
  const windows = history
    .filter((record) => record.steps.length > 0)
    .map((record) => ({ id: record.id, ...stepWindow(record) }))
    .sort((a, b) => a.from - b.from);
  expect(windows.length).toBeGreaterThanOrEqual(2);
  for (let i = 1; i < windows.length; i++) {
    const [before, after] = [windows[i - 1]!, windows[i]!];
    expect(before.to, `${before.id} and ${after.id} overlapped`).toBeLessThanOrEqual(after.from);
  }
}

/** Asks `GET path` until it answers `status`; rejects after `timeoutMs` with the last answer. */
async function waitForAnswer(api: ServiceApi, path: string, status: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await api.get(path);
    if (answer.status === status) return;
    if (Date.now() >= deadline)
      throw new Error(`GET ${path} did not answer ${status} within ${timeoutMs} ms; last: ${JSON.stringify(answer)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The history of cluster `example` once none of its recoveries is queued or running; rejects after 60 s. */
async function waitForQuietHistory(api: ServiceApi): Promise<RecoveryRecord[]> {
  const deadline = Date.now() + 60_000;
  let last: unknown;
  for (;;) {
    const answer = await api.get("/v1/recoveries?cluster=example&limit=1000");
    last = answer.body;
    if (answer.status === 200) {
      const records = (answer.body as RecoveryListBody).recoveries;
      if (records.every(isFinal)) return records;
    }
    if (Date.now() >= deadline)
      throw new Error(`recoveries of example still queued or running after 60 s: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
