import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Redis } from "ioredis";
import { killOnExit } from "./processes.js";
import { killAndWait, loopbackRedisClient, startRedis, waitForPing, type TestRedis } from "./redis-server.js";
import { freePort } from "./tools.js";

/** The redis-sentinel binary the tests run (Debian's redis-sentinel). */
export const SENTINEL_BINARY = process.env.REDIS_SENTINEL_BINARY ?? "/usr/bin/redis-sentinel";

/** The name the Sentinels monitor the master under. */
export const MASTER_NAME = "responder";

/** How long the set may take to be ready: the replica in sync, each Sentinel knowing the replica and the others. */
const SET_READY_TIMEOUT_MS = 30_000;

/** A Sentinel process of the set. */
export interface TestSentinel {
  port: number;
  pid: number;
}

/**
 * A master, a replica and three Sentinels (quorum 2) on loopback, for one test file. Call `stop()` in `afterAll`,
 * also when a test failed.
 */
export interface TestSentinelSet {
  /** The master at the start. */
  master: TestRedis;
  /** Its replica at the start. */
  replica: TestRedis;
  sentinels: TestSentinel[];
  /** The Sentinels as `REDIS_SENTINELS` lists them: `127.0.0.1:<port>,...`. */
  addresses: string;
  /** The port of the master the first Sentinel names now. */
  masterPort(): Promise<number>;
  /**
   * Resolves with the new master's port once a Sentinel announces a switch (`+switch-master`); rejects after
   * `timeoutMs`. Call it before causing the failover: it listens from the moment it is called.
   */
  nextSwitch(timeoutMs: number): Promise<number>;
  /** Asks the first Sentinel for a failover (`SENTINEL FAILOVER`): the master is demoted, its replica promoted. */
  failover(): Promise<void>;
  /** Whether the server on `port` holds `key`. */
  hasKey(port: number, key: string): Promise<boolean>;
  /** Resolves once a server on `port` is a replica whose link to its master is up; rejects after `timeoutMs`. */
  waitForReplica(port: number, timeoutMs: number): Promise<void>;
  /** Stops the Sentinels and both servers (SIGKILL, by their pids) and removes their files; idempotent. */
  stop(): Promise<void>;
}

/** Failover settings short enough for a test: down after 1 s, a failed election retried soon. */
const SENTINEL_SETTINGS = (masterPort: number) => [
  `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${masterPort} 2`,
  `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
  `sentinel failover-timeout ${MASTER_NAME} 2000`,
  `sentinel parallel-syncs ${MASTER_NAME} 1`,
];

/** Passwords of a test's Sentinel set; none by default. */
export interface SentinelSetOptions {
  /** The password the master and the replica require (`requirepass`, and `masterauth` to replicate). */
  password?: string;
  /** The password the Sentinels require, and use with each other. */
  sentinelPassword?: string;
}

/** Starts the master, its replica (in sync), then three Sentinels, and waits until each Sentinel sees the whole set. */
export async function startSentinelSet(options: SentinelSetOptions = {}): Promise<TestSentinelSet> {
  const { password, sentinelPassword } = options;
  const auth = password === undefined ? {} : { password, args: ["--masterauth", password] };
  const started: { stop(): Promise<unknown> }[] = [];
  const stopAll = async () => {
    for (const part of started.splice(0).reverse()) await part.stop();
  };
  try {
    const master = await startRedis(auth);
    started.push(master);
    const replica = await startRedis({
      ...auth,
      args: [...(auth.args ?? []), "--replicaof", "127.0.0.1", String(master.port)],
    });
    started.push(replica);
    await waitForReplicaLink(replica.port, SET_READY_TIMEOUT_MS, password);

    const dir = await mkdtemp(join(tmpdir(), "redis-sentinel-test-"));
    started.push({ stop: () => rm(dir, { recursive: true, force: true }) });
    const processes = await Promise.all(
      [0, 1, 2].map(async (index) => {
        const sentinel = await startSentinel(join(dir, `sentinel-${index}.conf`), master.port, options);
        started.push({ stop: () => killAndWait(sentinel.child) });
        return sentinel;
      }),
    );
    await Promise.all(
      processes.map((sentinel) => waitUntilSentinelSeesTheSet(sentinel.port, SET_READY_TIMEOUT_MS, sentinelPassword)),
    );

    const sentinelClient = (port: number) => loopbackRedisClient(port, sentinelPassword);
    const first = processes[0]!.port;
    let stopping: Promise<void> | undefined;
    return {
      master,
      replica,
      sentinels: processes.map(({ port, child }) => ({ port, pid: child.pid ?? -1 })),
      addresses: processes.map(({ port }) => `127.0.0.1:${port}`).join(","),
      masterPort: async () => {
        const client = sentinelClient(first);
        try {
          const answer = (await client.call("SENTINEL", "get-master-addr-by-name", MASTER_NAME)) as [string, string];
          return Number(answer[1]);
        } finally {
          client.disconnect();
        }
      },
      nextSwitch: (timeoutMs) => {
        const subscriber = sentinelClient(first);
        subscriber.on("error", () => undefined);
        return new Promise<number>((resolve, reject) => {
          const timer = setTimeout(() => {
            subscriber.disconnect();
            reject(new Error(`no Sentinel announced +switch-master of ${MASTER_NAME} within ${timeoutMs} ms`));
          }, timeoutMs);
          // "<name> <old ip> <old port> <new ip> <new port>"
          subscriber.on("message", (_channel: string, message: string) => {
            const [name, , , , port] = message.split(" ");
            if (name !== MASTER_NAME) return;
            clearTimeout(timer);
            subscriber.disconnect();
            resolve(Number(port));
          });
          subscriber.subscribe("+switch-master").catch((error: unknown) => {
            clearTimeout(timer);
            subscriber.disconnect();
            reject(error instanceof Error ? error : new Error(String(error)));
          });
        });
      },
      failover: async () => {
        const client = sentinelClient(first);
        try {
          await client.call("SENTINEL", "failover", MASTER_NAME);
        } finally {
          client.disconnect();
        }
      },
      hasKey: async (port, key) => {
        const client = loopbackRedisClient(port, password);
        try {
          return (await client.exists(key)) === 1;
        } finally {
          client.disconnect();
        }
      },
      waitForReplica: (port, timeoutMs) => waitForReplicaLink(port, timeoutMs, password),
      stop: () => (stopping ??= stopAll()),
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Writes a Sentinel's configuration (it rewrites the file as it learns) and starts it on a free loopback port. */
async function startSentinel(
  file: string,
  masterPort: number,
  options: SentinelSetOptions,
): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const settings = [
    `port ${port}`,
    "bind 127.0.0.1",
    `dir ${dirname(file)}`,
    ...(options.sentinelPassword === undefined ? [] : [`requirepass ${options.sentinelPassword}`]),
    ...SENTINEL_SETTINGS(masterPort),
    ...(options.password === undefined ? [] : [`sentinel auth-pass ${MASTER_NAME} ${options.password}`]),
  ];
  await writeFile(file, `${settings.join("\n")}\n`);
  const child = spawn(SENTINEL_BINARY, [file], { stdio: ["ignore", "pipe", "pipe"] });
  killOnExit(child);
  let output = "";
  const keep = (chunk: Buffer) => (output = (output + String(chunk)).slice(-4000));
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  try {
    await waitForPing(port, options.sentinelPassword, child, () => output);
  } catch (error) {
    await killAndWait(child);
    throw error;
  }
  return { port, child };
}

/** Asks the server on `port` every 100 ms, until `done` says yes or `timeoutMs` passes (then says what it awaited). */
async function pollRedis(
  port: number,
  password: string | undefined,
  what: string,
  timeoutMs: number,
  done: (client: Redis) => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    const client = loopbackRedisClient(port, password);
    try {
      if (await done(client)) return;
      last = "not yet";
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    } finally {
      client.disconnect();
    }
    if (Date.now() >= deadline) throw new Error(`${what} within ${timeoutMs} ms (last: ${last})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until the server on `port` is a replica whose link to its master is up. */
export function waitForReplicaLink(port: number, timeoutMs: number, password?: string): Promise<void> {
  return pollRedis(
    port,
    password,
    `the server on port ${port} was no replica in sync with its master`,
    timeoutMs,
    async (client) => /^master_link_status:up\r?$/m.test(await client.info("replication")),
  );
}

/** Waits until the Sentinel on `port` knows the replica and the two other Sentinels: a failover can be agreed. */
function waitUntilSentinelSeesTheSet(port: number, timeoutMs: number, password: string | undefined): Promise<void> {
  return pollRedis(
    port,
    password,
    `the Sentinel on port ${port} did not see the replica and 2 other Sentinels`,
    timeoutMs,
    async (client) => {
      const replicas = (await client.call("SENTINEL", "replicas", MASTER_NAME)) as unknown[];
      const others = (await client.call("SENTINEL", "sentinels", MASTER_NAME)) as unknown[];
      return replicas.length >= 1 && others.length >= 2;
    },
  );
}
