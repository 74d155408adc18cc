import { spawn, type ChildProcess } from "node:child_process";
import { killOnExit } from "./processes.js";
import { freePort } from "./tools.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";

/** The redis-server binary the tests run (Debian's redis-server). */
export const REDIS_BINARY = process.env.REDIS_BINARY ?? "/usr/bin/redis-server";

/** A throw-away Redis for one test file. Call `stop()` in `afterAll`, also when a test failed. */
export interface TestRedis {
  /** `redis://127.0.0.1:<port>`. */
  url: string;
  port: number;
  /** Process id of the running redis-server; changes after `restart()`. */
  pid: number;
  /** SIGKILLs the server and waits until the process has exited, then removes its directory; idempotent. */
  stop(): Promise<void>;
  /** SIGKILLs the server (nothing is persisted) and waits for the exit, keeping the port for `restart()`. */
  stopTemporarily(): Promise<void>;
  /**
   * Starts an empty server on the same port again (stopping it first if it runs), and waits until it answers PING.
   * `args`, when given, replace the options' `args`, e.g. to bring a failed master back as a replica.
   */
  restart(args?: readonly string[]): Promise<void>;
}

/** How long the server may take to answer PING after it was started. */
const READY_TIMEOUT_MS = 10_000;

/** Every redis-server started by this module, killed when the test process exits whatever happened. */

/** How to start the test's redis-server. */
export interface StartRedisOptions {
  /**
   * The password the server requires (`--requirepass`); default none. `url` then carries no credentials:
   * the test puts the right or a wrong one in.
   */
  password?: string;
  /** More redis-server arguments, e.g. `["--replicaof", "127.0.0.1", "6379"]`; default none. */
  args?: readonly string[];
  /**
   * Cluster mode: the server's cluster bus listens on a free loopback port of its own (`--cluster-port`; port +
   * 10000 may be taken or past 65535). Default off.
   */
  clusterBus?: boolean;
}

/** How many times a server whose port was taken between choosing it and binding it is started on other ports. */
const PORT_ATTEMPTS = 3;

/** Starts a real redis-server on a free loopback port, without persistence, and waits until it answers PING. */
export async function startRedis(options: StartRedisOptions = {}): Promise<TestRedis> {
  const dir = await mkdtemp(join(tmpdir(), "redis-test-"));
  let port = await freePort();
  let busPort = options.clusterBus ? await freePort() : undefined;
  let child: ChildProcess | undefined;
  let output = "";

  const launch = async (args: readonly string[] = options.args ?? []): Promise<void> => {
    output = "";
    child = spawn(
      REDIS_BINARY,
      [
        ...["--save", "", "--appendonly", "no", "--port", String(port), "--bind", "127.0.0.1", "--dir", dir],
        ...(options.password === undefined ? [] : ["--requirepass", options.password]),
        ...(busPort === undefined ? [] : ["--cluster-port", String(busPort)]),
        ...args,
      ],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    killOnExit(child);
    const started = child;
    started.stdout?.on("data", (chunk: Buffer) => (output = (output + String(chunk)).slice(-4000)));
    started.stderr?.on("data", (chunk: Buffer) => (output = (output + String(chunk)).slice(-4000)));
    try {
      await waitForPing(port, options.password, started, () => output);
    } catch (error) {
      await killAndWait(started);
      throw error;
    }
  };

  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running) await killAndWait(running);
  };

  // A port free a moment ago can be taken before the server binds it (another process's connection, or another
  // server started at the same time): start again on other ports. A restart keeps the ports it has.
  for (let attempt = 1; ; attempt++) {
    try {
      await launch();
      break;
    } catch (error) {
      if (attempt < PORT_ATTEMPTS && output.includes("Address already in use")) {
        port = await freePort();
        if (busPort !== undefined) busPort = await freePort();
        continue;
      }
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  const redis: TestRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: child?.pid ?? -1,
    stop: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
    stopTemporarily: stop,
    restart: async (args) => {
      await stop();
      await launch(args);
      redis.pid = child?.pid ?? -1;
    },
  };
  return redis;
}

/**
 * A client of the Redis (or Sentinel) on loopback `port` for one check: it connects at its first command, tries each
 * command once, never reconnects, and keeps its connection errors to the commands that meet them. Disconnect it after.
 */
export function loopbackRedisClient(port: number, password?: string): Redis {
  const client = new Redis({
    host: "127.0.0.1",
    port,
    ...(password === undefined ? {} : { password }),
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  client.on("error", () => undefined);
  return client;
}

/** Polls PING with a fresh client until the server (or Sentinel) answers, the process exits, or the deadline passes. */
export async function waitForPing(
  port: number,
  password: string | undefined,
  child: ChildProcess,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = "no answer yet";
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`redis-server on port ${port} exited before it answered PING:\n${output()}`);
    }
    const client = new Redis({
      port,
      host: "127.0.0.1",
      ...(password === undefined ? {} : { password }),
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on("error", () => undefined);
    try {
      await client.connect();
      if ((await client.ping()) === "PONG") return;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    } finally {
      client.disconnect();
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `redis-server on port ${port} did not answer PING within ${READY_TIMEOUT_MS} ms (last: ${last}):\n${output()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** SIGKILLs `child` unless it has exited already, and resolves once it has. */
export async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGKILL");
  await exited;
}
