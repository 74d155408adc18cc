import { join } from "node:path";
import { afterAll, assert, beforeAll, describe, expect, it } from "vitest";
import type { AlertsAnswer } from "../../src/intake/alerts.js";
import { keySlot } from "../../src/core/redis-keys.js";
import { conventionalPodName, crashLoopNotification } from "../support/crash-loop-notification.js";
import { startRedisCluster, type TestRedisCluster } from "../support/redis-cluster.js";
import { startResponder, type ResponderProcess } from "../support/responder-process.js";
import { startSandboxProcess, type SandboxProcess } from "../support/sandbox-process.js";
import { serviceApi, type ServiceApi } from "../support/service-api.js";

const PREFIX = "{etcd-responder}";

/** One alert posted and how the service answered it. */
interface Posted {
  member: number;
  sentAt: number;
  answeredAt: number;
  status: number;
  /** The recovery the alert was queued as or joined, when answered 202. */
  id?: string;
}

describe("Redis Cluster: the master of the prefix's slot SIGKILLed while alerts arrive", () => {
  let redis: TestRedisCluster | undefined;
  let sandbox: SandboxProcess | undefined;
  let service: ResponderProcess | undefined;
  let api: ServiceApi;
  let stopped = false;
  let sending: Promise<void> | undefined;
  const posted: Posted[] = [];

  /** Posts one-alert notifications for members 1 to 3 in turn until `stopped`. */
  const send = async () => {
    for (let turn = 0; !stopped; turn += 1) {
      const member = (turn % 3) + 1;
      const notification = crashLoopNotification([
        { namespace: "default", pod: conventionalPodName(`example-${member}`) },
      ]);
      let status: number;
      let id: string | undefined;
      const sentAt = Date.now();
      try {
        const answer = await api.post("/v1/alerts", notification);
        status = answer.status;
        if (status === 202) {
          id = (answer.body as AlertsAnswer).enqueued[0]?.id;
        }
      } catch {
        status = 0;
      }
      posted.push({ member, sentAt, answeredAt: Date.now(), status, ...(id ? { id } : {}) });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const waitForAnswer = async (what: string, match: (answer: Posted) => boolean, after: number, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!posted.slice(after).some(match)) {
      if (Date.now() > deadline)
        throw new Error(`${what}: not within ${timeoutMs} ms (last: ${JSON.stringify(posted.at(-1))})`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  beforeAll(async () => {
    [redis, sandbox] = await Promise.all([startRedisCluster(), startSandboxProcess({})]);
    service = await startResponder({
      mode: "all",
      config: join(sandbox.dir, "responder.yaml"),
      env: {
        KUBECONFIG: sandbox.info.kubeconfig,
        REDIS_URL: undefined,
        REDIS_CLUSTER_NODES: redis.addresses,
        QUEUE_PREFIX: PREFIX,
      },
    });
    api = serviceApi(service.url);
  });
  afterAll(async () => {
    stopped = true;
    await sending;
    await service?.stop();
    await sandbox?.stop();
    await redis?.stop();
  });

  it("answers only 202 or 503, 503 while the promoted master has no replica, and loses no accepted alert", async () => {
    assert(redis && service);
    const slot = keySlot(PREFIX);
    const [master] = await redis.nodesOfSlot(slot);
    const killed = redis.nodes.find((node) => node.port === master)!;
    sending = send();
    await waitForAnswer("a first 202", (answer) => answer.status === 202, 0, 20_000);

    await killed.server.stopTemporarily();
    const killedAt = posted.length;
    // The replica is promoted after the node timeout (2 s); it has no replica of its own, so WAIT 1 cannot be met.
    const survivor = redis.nodes.find((node) => node.port !== master)!;
    const promotedBy = Date.now() + 30_000;
    let promoted = master;
    while (promoted === master) {
      if (Date.now() > promotedBy) throw new Error("no replica was promoted within 30 s");
      await new Promise((resolve) => setTimeout(resolve, 200));
      promoted = (await redis.nodesOfSlot(slot, survivor.port).catch(() => [master]))[0];
    }
    const promotedAt = Date.now();
    await waitForAnswer("a 503 after the failover", (answer) => answer.status === 503, killedAt, 20_000);
    // Alerts still arrive meanwhile.
    const sentBefore = posted.length;
    await waitForAnswer("more answers", () => true, sentBefore + 3, 20_000);
    const restartAt = Date.now();

    // The old master comes back (its nodes.conf kept) as the promoted master's replica: alerts are accepted again.
    await killed.server.restart();
    const restartedAt = posted.length;
    await waitForAnswer("a 202 once the old master is a replica again", (a) => a.status === 202, restartedAt, 60_000);
    stopped = true;
    await sending;

    expect(posted.filter((answer) => answer.status !== 202 && answer.status !== 503)).toEqual([]);
    // With the slot on a master without a replica, WAIT 1 is never met: nothing is accepted.
    const unconfirmable = posted.filter((answer) => answer.sentAt > promotedAt && answer.answeredAt < restartAt);
    expect(unconfirmable.length).toBeGreaterThan(2);
    expect(unconfirmable.filter((answer) => answer.status !== 503)).toEqual([]);
    // Every alert answered 202 with a new recovery: that recovery is in the history.
    const ids = [...new Set(posted.flatMap((answer) => (answer.id ? [answer.id] : [])))];
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) {
      const answer = await api.get(`/v1/recoveries/${id}`);
      expect(answer.status, id).toBe(200);
    }
    const keys = (await redis.keysByNode()).get(promoted!) ?? [];
    expect(keys.every((key) => key.startsWith(`${PREFIX}:`))).toBe(true);
  });
});
