import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ReplicationUnconfirmedError } from "../../src/core/errors.js";
import { createLogger } from "../../src/core/logger.js";
import { createRecoveryQueue } from "../../src/queue/bullmq-queue.js";
import { recoveryQueueName } from "../../src/queue/jobs.js";
import type { RecoveryQueue } from "../../src/queue/recovery-queue.js";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { waitForReplicaLink } from "../support/redis-sentinel.js";
import { requestFor, testConfig, uniquePrefix } from "../support/queue.js";

const logger = createLogger({ level: "silent" });
const config = testConfig();
const prefix = uniquePrefix("replicas");
const alert = {
  kind: "alert",
  alertname: "KubePodCrashLooping",
  fingerprint: "5eed",
  receiver: "etcd-responder",
  pod: "a-2-xyz",
} as const;

describe("a queue that needs a replica to confirm each accepted request (WAIT)", () => {
  let master: TestRedis;
  let replica: TestRedis;
  let queue: RecoveryQueue;
  let replicaClient: Redis;
  const replicaOf = () => ["--replicaof", "127.0.0.1", String(master.port)];
  const jobOnReplica = async (id: string) =>
    (await replicaClient.exists(`${prefix}:${recoveryQueueName("etcd", "a")}:${id}`)) === 1;

  beforeAll(async () => {
    master = await startRedis();
    replica = await startRedis({ args: replicaOf() });
    await waitForReplicaLink(replica.port, 10_000);
    queue = createRecoveryQueue({ connection: { url: master.url, waitReplicas: 1 }, config, prefix, logger });
    replicaClient = new Redis(replica.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    replicaClient.on("error", () => undefined);
  });
  afterAll(async () => {
    await queue?.close();
    replicaClient?.disconnect();
    await replica?.stop();
    await master?.stop();
  });

  it("answers a new recovery, and a request joining it, once the replica has the recovery", async () => {
    const queued = await queue.enqueue(requestFor(config, "a", 1, alert));
    expect(queued.deduplicated).toBe(false);
    expect(await jobOnReplica(queued.id)).toBe(true);
    const joined = await queue.findJoinable(requestFor(config, "a", 1, alert));
    expect(joined).toMatchObject({ id: queued.id, deduplicated: true });
  });

  it("refuses, retryably, what no replica confirms; sent again once one is back, it joins what it queued", async () => {
    await replica.stopTemporarily();
    const refused = await queue.enqueue(requestFor(config, "a", 2, alert)).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(ReplicationUnconfirmedError);
    expect((refused as ReplicationUnconfirmedError).retryable).toBe(true);
    expect((refused as Error).message).toMatch(/0 of 1 required Redis replicas confirmed within 1000 ms/);
    // The master took the recovery; a repeat finds it, and is refused as well while no replica can confirm.
    const [taken] = await queue.list({ member: 2 });
    expect(taken).toMatchObject({ member: 2, state: "queued" });
    await expect(queue.findJoinable(requestFor(config, "a", 2, alert))).rejects.toBeInstanceOf(
      ReplicationUnconfirmedError,
    );

    await replica.restart(replicaOf());
    await waitForReplicaLink(replica.port, 10_000);
    const retried = await queue.enqueue(requestFor(config, "a", 2, alert));
    expect(retried).toMatchObject({ id: taken!.id, deduplicated: true });
    expect(await jobOnReplica(taken!.id)).toBe(true);
  });
});
