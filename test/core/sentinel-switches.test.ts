import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeRedis } from "../../src/core/redis.js";
import { connectRedis, type RedisConnection } from "../../src/core/redis-connection.js";
import { MASTER_NAME, startSentinelSet, type TestSentinelSet } from "../support/redis-sentinel.js";

describe("a client through Sentinel after SENTINEL FAILOVER", () => {
  let set: TestSentinelSet | undefined;
  const clients: Redis[] = [];

  beforeAll(async () => {
    set = await startSentinelSet();
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => closeRedis(client)));
    await set?.stop();
  });

  it("reconnects at the announcement and writes to the promoted master, a duplicate too", async () => {
    const sentinels = set!.addresses.split(",").map((address) => {
      const [host, port] = address.split(":");
      return { host: host!, port: Number(port) };
    });
    const connection = {
      url: "redis://unused:6379/0",
      sentinel: { sentinels, masterName: MASTER_NAME },
    } satisfies RedisConnection;
    const client = connectRedis(connection, { maxRetriesPerRequest: 1 });
    clients.push(client);
    const copy = client.duplicate();
    clients.push(copy);
    const before = await set!.masterPort();
    expect(await client.set("before-switch", "1")).toBe("OK");

    const reconnected = (which: Redis) => new Promise<void>((resolve) => which.once("ready", () => resolve()));
    const ready = [reconnected(client), reconnected(copy)];
    const switched = set!.nextSwitch(20_000);
    await set!.failover();
    const promoted = await switched;
    expect(promoted).not.toBe(before);
    await withDeadline(Promise.all(ready), 10_000, "both clients connected again after the switch");

    expect(await client.set("after-switch", "1")).toBe("OK");
    expect(await copy.set("after-switch-copy", "1")).toBe("OK");
    for (const key of ["after-switch", "after-switch-copy"]) {
      expect(await set!.hasKey(promoted, key), `${key} on the promoted master`).toBe(true);
    }
  });
});

/** `promise`, or a rejection naming `what` after `timeoutMs`. */
async function withDeadline<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
