import { spawn, type ChildProcess } from "node:child_process";
import { killOnExit } from "./processes.js";
import { randomBytes, randomInt } from "node:crypto";
import { closeSync, openSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "node:https";
import { request as plainRequest } from "node:http";
import { CertificateAuthority } from "kube-sandbox";

/** The etcd binary the tests run (Debian's etcd-server). */
export const ETCD_BINARY = process.env.ETCD_BINARY ?? "/usr/bin/etcd";

/** How to start a throw-away etcd cluster of real processes on loopback addresses. */
export interface StartEtcdClusterOptions {
  /** Number of members, named m1..mN. */
  members: number;
  /**
   * The first three octets of the members' addresses, `"127.A.B"`; member i listens on `127.A.B.i`.
   * Default: a random free `127.1xx.y` block, so test files running in parallel do not collide.
   */
  prefix?: string;
  /** Serve clients over TLS with a throw-away CA and require client certificates; default `false`. */
  tls?: boolean;
  /** Deadline for every member to answer with a known leader, ms; default 20 000. */
  readyTimeoutMs?: number;
}

/** One member process of a test cluster. */
export interface EtcdTestMember {
  /** Member index, 1-based. */
  index: number;
  /** etcd member name, `m<index>`. */
  name: string;
  /** `http(s)://127.A.B.i:2379`. */
  clientURL: string;
  /** `http://127.A.B.i:2380`. */
  peerURL: string;
  /** Process id of the running etcd, undefined while the member is stopped. */
  pid: number | undefined;
  /** The member's data directory. */
  dataDir: string;
}

/** How `startMember` starts a member's process. */
export interface StartMemberOptions {
  /** `--initial-cluster`; default the cluster's original member list. */
  initialCluster?: string;
  /** `--initial-cluster-state`; default `new`. */
  state?: "new" | "existing";
  /** Empty the data directory first; default `false`. */
  wipe?: boolean;
  /** Wait until the member answers with a known leader; default `true`. */
  waitReady?: boolean;
}

/** A running test cluster. Call `stop()` in `afterAll`/`afterEach`, also when the test failed. */
export interface EtcdTestCluster {
  /** Members in index order; `pid` follows restarts. */
  members: EtcdTestMember[];
  /** Client URLs in index order. */
  clientURLs: string[];
  /** The `--initial-cluster` the cluster was started with. */
  initialCluster: string;
  /** Client TLS material (PEM) when started with `tls: true`. */
  tls?: { ca: string; cert: string; key: string };
  /** SIGKILLs member `index` and waits until the process has exited. */
  stopMember(index: number): Promise<void>;
  /** Starts member `index` (stopping it first if it runs). */
  startMember(index: number, options?: StartMemberOptions): Promise<void>;
  /** Stops member `index`, empties its data directory and starts it with the given membership. */
  wipeAndRestartMember(index: number, options: { initialCluster: string; state: "new" | "existing" }): Promise<void>;
  /** Waits until member `index` answers Status with a known leader. */
  waitReady(index: number, timeoutMs?: number): Promise<void>;
  /** Whether member `index` has a live process. */
  isRunning(index: number): boolean;
  /** Waits until member `index`'s process exits by itself (a member expected to crash); rejects after `timeoutMs`. */
  waitForExit(index: number, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last lines etcd wrote for member `index`, for failure messages. */
  logTail(index: number, lines?: number): string;
  /** Kills every process this cluster started and removes its temporary directory. */
  stop(): Promise<void>;
}

const CLIENT_PORT = 2379;
const PEER_PORT = 2380;
const POLL_INTERVAL_MS = 50;

/** Every etcd process started by this module, killed when the test process exits whatever happened. */

/** Starts `members` etcd processes forming a new cluster and waits until every one has a leader. */
export async function startEtcdCluster(options: StartEtcdClusterOptions): Promise<EtcdTestCluster> {
  const count = options.members;
  if (!Number.isInteger(count) || count < 1 || count > 250)
    throw new RangeError(`members must be 1..250, got ${count}`);
  const prefix = options.prefix ?? (await findFreePrefix(count));
  if (options.prefix !== undefined) await assertFree(prefix, count);

  const root = await mkdtemp(join(tmpdir(), "etcd-cluster-"));
  const scheme = options.tls ? "https" : "http";
  const members: EtcdTestMember[] = [];
  for (let index = 1; index <= count; index++) {
    members.push({
      index,
      name: `m${index}`,
      clientURL: `${scheme}://${prefix}.${index}:${CLIENT_PORT}`,
      peerURL: `http://${prefix}.${index}:${PEER_PORT}`,
      pid: undefined,
      dataDir: join(root, `m${index}.data`),
    });
  }
  const initialCluster = members.map((m) => `${m.name}=${m.peerURL}`).join(",");
  const clusterToken = `test-${randomBytes(6).toString("hex")}`;
  const children = new Map<number, ChildProcess>();

  let tlsFiles: { args: string[]; client: { ca: string; cert: string; key: string } } | undefined;
  if (options.tls) tlsFiles = await createTlsFiles(root, prefix, members);

  const memberAt = (index: number): EtcdTestMember => {
    const member = members[index - 1];
    if (!member) throw new RangeError(`no member ${index}; the cluster has members 1 to ${members.length}`);
    return member;
  };
  const logPath = (index: number) => join(root, `m${index}.log`);

  const logTail = (index: number, lines = 15): string => {
    try {
      return readFileSync(logPath(index), "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "(no log)";
    }
  };

  const stopMember = async (index: number): Promise<void> => {
    const member = memberAt(index);
    const child = children.get(index);
    children.delete(index);
    member.pid = undefined;
    if (child) await killAndWait(child);
  };

  const waitReady = async (index: number, timeoutMs = options.readyTimeoutMs ?? 20_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    const child = children.get(index);
    let last: string;
    for (;;) {
      if (!child || child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`etcd member m${index} exited while waiting for it to be ready:\n${logTail(index)}`);
      }
      try {
        // etcd's /health is true once the member knows a leader. A gRPC client made before the member
        // listens would sit in its reconnect back-off for seconds; a plain request each time does not.
        const health = await getHealth(memberAt(index).clientURL, tlsFiles?.client);
        if (health === "true") return;
        last = `health ${health}`;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
      if (Date.now() >= deadline) {
        throw new Error(
          `etcd member m${index} was not ready within ${timeoutMs} ms (last: ${last}):\n${logTail(index)}`,
        );
      }
      await delayOrExit(POLL_INTERVAL_MS, child);
    }
  };

  const startMember = async (index: number, start: StartMemberOptions = {}): Promise<void> => {
    const member = memberAt(index);
    await stopMember(index);
    if (start.wipe) await rm(member.dataDir, { recursive: true, force: true });
    await mkdir(member.dataDir, { recursive: true, mode: 0o700 });
    const args = [
      `--name=${member.name}`,
      `--data-dir=${member.dataDir}`,
      `--listen-client-urls=${member.clientURL}`,
      `--advertise-client-urls=${member.clientURL}`,
      `--listen-peer-urls=${member.peerURL}`,
      `--initial-advertise-peer-urls=${member.peerURL}`,
      `--initial-cluster=${start.initialCluster ?? initialCluster}`,
      `--initial-cluster-state=${start.state ?? "new"}`,
      `--initial-cluster-token=${clusterToken}`,
      "--logger=zap",
      "--log-outputs=stderr",
      ...(tlsFiles ? tlsFiles.args.map((arg) => arg.replaceAll("{index}", String(index))) : []),
    ];
    const log = openSync(logPath(index), "a");
    let child: ChildProcess;
    try {
      // Detached: its own process group, so a signal aimed at the test runner's group does not reach it first.
      child = spawn(ETCD_BINARY, args, { detached: true, stdio: ["ignore", log, log] });
    } finally {
      closeSync(log);
    }
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", reject);
    });
    killOnExit(child);
    children.set(index, child);
    member.pid = child.pid;
    if (start.waitReady ?? true) await waitReady(index);
  };

  const isRunning = (index: number): boolean => {
    const child = children.get(index);
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  };

  const waitForExit = async (
    index: number,
    timeoutMs = 20_000,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> => {
    const child = children.get(index);
    if (!child) throw new Error(`etcd member m${index} was not started`);
    if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.off("exit", onExit);
        reject(new Error(`etcd member m${index} was still running after ${timeoutMs} ms:\n${logTail(index)}`));
      }, timeoutMs);
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        clearTimeout(timer);
        resolve({ code, signal });
      };
      child.once("exit", onExit);
    });
  };

  const stop = async (): Promise<void> => {
    await Promise.all([...children.keys()].map((index) => stopMember(index)));
    await rm(root, { recursive: true, force: true });
  };

  try {
    // Members of a new cluster wait for each other, so they start together and become ready together.
    await Promise.all(members.map((m) => startMember(m.index, { waitReady: false })));
    await Promise.all(members.map((m) => waitReady(m.index)));
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    members,
    clientURLs: members.map((m) => m.clientURL),
    initialCluster,
    ...(tlsFiles ? { tls: tlsFiles.client } : {}),
    stopMember,
    startMember,
    wipeAndRestartMember: (index, membership) =>
      startMember(index, { initialCluster: membership.initialCluster, state: membership.state, wipe: true }),
    waitReady,
    isRunning,
    waitForExit,
    logTail,
    stop,
  };
}

async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGKILL");
  await exited;
}

/** Waits `ms`, or less if the process exits first (then the caller notices the exit). */
function delayOrExit(ms: number, child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    const onExit = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      child.off("exit", onExit);
      resolve();
    }, ms);
    child.once("exit", onExit);
  });
}

async function findFreePrefix(count: number): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const prefix = `127.${randomInt(100, 200)}.${randomInt(0, 256)}`;
    if (await isFree(prefix, count)) return prefix;
  }
  throw new Error("found no free 127.1xx.y address block for an etcd test cluster");
}

async function assertFree(prefix: string, count: number): Promise<void> {
  if (!(await isFree(prefix, count))) throw new Error(`the ports 2379/2380 of ${prefix}.1..${count} are not all free`);
}

async function isFree(prefix: string, count: number): Promise<boolean> {
  for (let index = 1; index <= count; index++) {
    for (const port of [CLIENT_PORT, PEER_PORT]) {
      if (!(await canListen(`${prefix}.${index}`, port))) return false;
    }
  }
  return true;
}

function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

async function createTlsFiles(
  root: string,
  prefix: string,
  members: EtcdTestMember[],
): Promise<{ args: string[]; client: { ca: string; cert: string; key: string } }> {
  const ca = await CertificateAuthority.create("etcd test CA");
  const caFile = join(root, "ca.pem");
  await writeFile(caFile, ca.certPem);
  for (const member of members) {
    const pair = await ca.issue({
      commonName: member.name,
      ips: [`${prefix}.${member.index}`],
      usages: ["server", "client"],
    });
    await writeFile(join(root, `m${member.index}.crt`), pair.cert);
    await writeFile(join(root, `m${member.index}.key`), pair.key, { mode: 0o600 });
  }
  const client = await ca.issue({ commonName: "root", usages: ["client"] });
  return {
    args: [
      `--cert-file=${join(root, "m{index}.crt")}`,
      `--key-file=${join(root, "m{index}.key")}`,
      `--trusted-ca-file=${caFile}`,
      "--client-cert-auth",
    ],
    client: { ca: ca.certPem, cert: client.cert, key: client.key },
  };
}

/** etcd's `/health` answer (`"true"` or `"false"`) of one member; rejects when it does not answer within 500 ms. */
function getHealth(clientURL: string, tls?: { ca: string; cert: string; key: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const url = new URL("/health", clientURL);
    const options = { timeout: 500, ...(tls ? { ca: tls.ca, cert: tls.cert, key: tls.key } : {}) };
    const req = (url.protocol === "https:" ? request : plainRequest)(url, options, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => {
        try {
          resolve(String((JSON.parse(body) as { health?: string }).health));
        } catch {
          resolve(`unreadable: ${body.slice(0, 80)}`);
        }
      });
    });
    req.on("timeout", () => req.destroy(new Error("no answer to /health within 500 ms")));
    req.on("error", reject);
    req.end();
  });
}
