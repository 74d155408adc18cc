import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ObjectStore, type KubeObject } from "../../src/api/object-store.js";
import { createLogger } from "../../src/logger.js";
import { formatIpv4, parseRange } from "../../src/node/ipv4-range.js";
import { PodNetwork, type PodAttachment } from "../../src/node/pod-network.js";
import { ENDPOINT_SLICES } from "../../src/node/service-endpoints.js";
import { ServiceProxy } from "../../src/node/service-proxy.js";
import { collect, firstLine, killGroup, runningAsRoot } from "./isolation-harness.js";

const POD_PORT = 8080;
/**
 * Reads a connection to its end, then answers `NAME:WHAT-IT-READ` and closes: a client sees the answer only
 * when its half-close reached the Pod and the Pod's reached it. Prints `listening` once bound.
 */
const SERVER = `const name = process.argv[1];
require("node:net").createServer({ allowHalfOpen: true }, (s) => {
  let got = "";
  s.on("data", (chunk) => (got += chunk));
  s.on("end", () => s.end(name + ":" + got));
}).listen(${POD_PORT}, "0.0.0.0", () => console.log("listening"));`;
/** Sends `hello` to argv[1]:argv[2], half-closes, prints the answer, or the error code and exit 1. */
const CLIENT = `const s = require("node:net").connect(Number(process.argv[2]), process.argv[1]);
let got = "";
s.on("data", (chunk) => (got += chunk));
s.on("end", () => console.log(got));
s.on("error", (err) => { console.log(err.code); process.exitCode = 1; });
s.end("hello");`;

/**
 * Waits for a line on standard input, then makes argv[3] connections to argv[1]:argv[2] one after the other,
 * each sending `ping`, half-closing and reading the answer to its end; prints `ready` first, then per answer
 * the time it arrived (milliseconds since the epoch) and the answer. A failed connection ends it with code 1.
 */
const TIMED_CLIENT = `const [host, port, rounds] = process.argv.slice(1);
const roundTrip = () => new Promise((resolve, reject) => {
  const s = require("node:net").connect(Number(port), host);
  let got = "";
  s.on("data", (chunk) => (got += chunk));
  s.on("end", () => resolve(got));
  s.on("error", reject);
  s.end("ping");
});
process.stdin.once("data", async () => {
  for (let i = 0; i < Number(rounds); i++) console.log(Date.now() + " " + (await roundTrip()));
  process.exit(0);
});
console.log("ready");`;
/** How long the test holds its own thread, the one that started the proxy, while another process connects. */
const BLOCK_MS = 1_500;

/** Connects from the host, sends `hello`, half-closes, and resolves with the answer; rejects with the error. */
function ask(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const socket = connect({ host, port, allowHalfOpen: true });
    socket.setTimeout(5_000, () => socket.destroy(new Error(`no answer from ${host}:${port} within 5 s`)));
    socket.on("data", (chunk: Buffer) => (text += chunk.toString()));
    socket.once("end", () => {
      socket.destroy();
      resolve(text);
    });
    socket.once("error", reject);
    socket.end("hello");
  });
}

/** The error code connecting from the host to `host:port` fails with, and how many milliseconds that took. */
async function refusal(host: string, port: number): Promise<{ code: string | undefined; ms: number }> {
  const started = Date.now();
  const code = await ask(host, port).then(
    (answer) => `answered ${answer}`,
    (err: NodeJS.ErrnoException) => err.code,
  );
  return { code, ms: Date.now() - started };
}

/** A connection from the host that has sent some bytes and stays open until `finish` half-closes it. */
interface HeldConnection {
  /** Resolves with everything received once the peer has ended, or with the error code that ended it. */
  readonly outcome: Promise<string>;
  /** Sends `last` and half-closes. */
  finish(last: string): void;
}

/** Connects from the host to `host:port` and sends `first`; resolves once connected. */
async function holdConnection(host: string, port: number, first: string): Promise<HeldConnection> {
  const socket = connect({ host, port, allowHalfOpen: true });
  let text = "";
  socket.on("data", (chunk: Buffer) => (text += chunk.toString()));
  const outcome = new Promise<string>((resolve) => {
    socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    socket.once("end", () => {
      socket.destroy();
      resolve(text);
    });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  socket.write(first);
  return { outcome, finish: (last) => socket.end(last) };
}

/** Resolves as `promise` does; rejects naming `what` if it has not settled after `ms`. */
function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** Calls `attempt` every 50 ms until it resolves, and resolves with that; rejects naming `what` after `ms`. */
async function eventually<T>(what: string, ms: number, attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`, { cause: err });
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** How the host routes a packet to `ip`, as `ip route get` prints it. */
function routeOf(ip: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("ip", ["route", "get", ip], (err, stdout) =>
      err ? reject(new Error(`ip route get ${ip} failed: ${err.message}`)) : resolve(stdout.trim()),
    );
  });
}

/** The IPv4 addresses of an interface. */
function addressesOf(device: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile("ip", ["-4", "-j", "addr", "show", "dev", device], (err, stdout) => {
      if (err) return reject(new Error(`ip addr show dev ${device} failed: ${err.message}`));
      const links = JSON.parse(stdout) as { addr_info: { local: string; prefixlen: number }[] }[];
      resolve(links.flatMap((link) => link.addr_info.map((a) => `${a.local}/${a.prefixlen}`)));
    });
  });
}

function service(name: string, clusterIP: string, ports: object[]): KubeObject {
  return { apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default" }, spec: { clusterIP, ports } };
}

function endpointSlice(name: string, serviceName: string, port: number, endpoints: [string, boolean][]): KubeObject {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name, namespace: "default", labels: { "kubernetes.io/service-name": serviceName } },
    addressType: "IPv4",
    endpoints: endpoints.map(([ip, ready]) => ({ addresses: [ip], conditions: { ready } })),
    ports: [{ name: "http", port, protocol: "TCP" }],
  };
}

describe.runIf(runningAsRoot)("the Service proxy of the isolated Pod network (needs root, skipped otherwise)", () => {
  const scratch = mkdtempSync(join(tmpdir(), "service-proxy-test-"));
  const store = new ObjectStore();
  const logLines: string[] = [];
  const logger = createLogger({
    level: "warn",
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString());
        done();
      },
    }),
  });
  const servers: ChildProcess[] = [];
  const pods: { name: string; attachment: PodAttachment }[] = [];
  let network: PodNetwork;
  let proxy: ServiceProxy | undefined;
  let clusterIP: string;

  beforeAll(async () => {
    network = await PodNetwork.create({ lockDirectory: join(scratch, "locks") });
    clusterIP = formatIpv4(parseRange(network.serviceRange).base + 10);
    for (const name of ["pod-a", "pod-b"]) {
      const attachment = await network.addPod();
      const server = spawn("ip", ["netns", "exec", attachment.netns, process.execPath, "-e", SERVER, name], {
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      });
      servers.push(server);
      expect(await firstLine(server, `the server in ${name}`, 15_000)).toBe("listening");
      pods.push({ name, attachment });
    }
    proxy = await ServiceProxy.start({ store, bridge: network.bridge, serviceRange: network.serviceRange, logger });
  });

  afterAll(async () => {
    await proxy?.stop();
    for (const server of servers) killGroup(server);
    network?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** Runs the client in a Pod's namespace against `host:port` and resolves with what it printed. */
  async function askFromPod(pod: PodAttachment, host: string, port: number): Promise<string> {
    const client = spawn("ip", ["netns", "exec", pod.netns, process.execPath, "-e", CLIENT, host, String(port)], {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    return (await collect(client, `the client in ${pod.netns}`, 15_000)).stdout.trim();
  }

  it("puts a Service's cluster IP on the bridge and forwards the host's connections to its ready Pods", async () => {
    store.create("services", service("web", clusterIP, [{ name: "http", port: 80, protocol: "TCP" }]));
    const ips = pods.map((pod) => [pod.attachment.ip, true] as [string, boolean]);
    store.create(ENDPOINT_SLICES, endpointSlice("web-abcde", "web", POD_PORT, ips));
    await proxy!.whenIdle();
    expect(await addressesOf(network.bridge)).toContain(`${clusterIP}/32`);
    expect(await routeOf(clusterIP)).toMatch(new RegExp(`^local ${clusterIP.replaceAll(".", "\\.")} dev lo `));
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await ask(clusterIP, 80));
    // Round robin: every other connection goes to the same Pod.
    expect(answers[0]).not.toBe(answers[1]);
    expect(answers.slice(2)).toEqual(answers.slice(0, 2));
    expect(answers.slice(0, 2).sort()).toEqual(["pod-a:hello", "pod-b:hello"]);
  });

  it("forwards a Pod's connections to the cluster IP, which it reaches through its gateway", async () => {
    const answers = new Set<string>();
    for (let i = 0; i < 2; i++) answers.add(await askFromPod(pods[0]!.attachment, clusterIP, 80));
    expect([...answers].sort()).toEqual(["pod-a:hello", "pod-b:hello"]);
  });

  it("keeps forwarding while the thread that started the proxy is blocked", async () => {
    const rounds = 5;
    const client = spawn(process.execPath, ["-e", TIMED_CLIENT, clusterIP, "80", String(rounds)], {
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
    });
    try {
      expect(await firstLine(client, "the timed client", 15_000)).toBe("ready");
      const finished = collect(client, "the timed client's round trips", 15_000);
      await new Promise<void>((resolve, reject) =>
        client.stdin.write("go\n", (err) => (err ? reject(err) : resolve())),
      );
      // Blocks this thread as a busy event loop would (the sandbox's spawns, API calls and watches).
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, BLOCK_MS);
      const blockEnded = Date.now();
      const { code, stdout, stderr } = await finished;
      expect(code, stderr).toBe(0);
      const answers = stdout
        .trim()
        .split("\n")
        .map((line) => line.split(" "));
      expect(answers).toHaveLength(rounds);
      for (const [at, answer] of answers) {
        expect(answer).toMatch(/^pod-[ab]:ping$/);
        expect(Number(at), "an answer came only after the block ended").toBeLessThan(blockEnded);
      }
    } finally {
      killGroup(client);
    }
  });

  it("refuses new connections at once while the Service has no ready endpoint, keeping open ones", async () => {
    const held = await holdConnection(clusterIP, 80, "waiting");
    store.mutate(ENDPOINT_SLICES, "default", "web-abcde", (slice) => {
      for (const endpoint of slice.endpoints as { conditions: { ready: boolean } }[]) endpoint.conditions.ready = false;
    });
    await proxy!.whenIdle();
    const fromHost = await refusal(clusterIP, 80);
    expect(fromHost.code).toBe("ECONNREFUSED");
    expect(fromHost.ms).toBeLessThan(1_000);
    expect(await askFromPod(pods[1]!.attachment, clusterIP, 80)).toBe("ECONNREFUSED");
    held.finish("!");
    expect(await withDeadline(held.outcome, 5_000, "the held connection's answer")).toMatch(/^pod-[ab]:waiting!$/);

    store.mutate(ENDPOINT_SLICES, "default", "web-abcde", (slice) => {
      (slice.endpoints as { conditions: { ready: boolean } }[])[1]!.conditions.ready = true;
    });
    await proxy!.whenIdle();
    expect(await ask(clusterIP, 80)).toBe("pod-b:hello");
  });

  it("tries the next endpoint when one refuses", async () => {
    // A second slice whose endpoint (pod-a) has nothing listening on the slice's port.
    store.create(ENDPOINT_SLICES, endpointSlice("web-fghij", "web", POD_PORT + 1, [[pods[0]!.attachment.ip, true]]));
    await proxy!.whenIdle();
    for (let i = 0; i < 3; i++) expect(await ask(clusterIP, 80)).toBe("pod-b:hello");
    store.remove(ENDPOINT_SLICES, "default", "web-fghij");
    await proxy!.whenIdle();
  });

  it("listens on the new port when the Service port changes", async () => {
    store.mutate("services", "default", "web", (svc) => {
      (svc.spec as { ports: { port: number }[] }).ports[0]!.port = 81;
    });
    await proxy!.whenIdle();
    expect(await ask(clusterIP, 81)).toBe("pod-b:hello");
    expect((await refusal(clusterIP, 80)).code).toBe("ECONNREFUSED");
  });

  it("listens once another program lets go of the Service port", async () => {
    const busyIP = formatIpv4(parseRange(network.serviceRange).base + 13);
    store.create("services", service("busy", busyIP, [{ name: "http", port: 80, protocol: "TCP" }]));
    await proxy!.whenIdle();
    const squatter = createServer((socket) => socket.resume().end("squatter"));
    await new Promise<void>((resolve, reject) => {
      squatter.once("error", reject);
      squatter.listen(80, busyIP, resolve);
    });
    try {
      store.create(ENDPOINT_SLICES, endpointSlice("busy-abcde", "busy", POD_PORT, [[pods[0]!.attachment.ip, true]]));
      await proxy!.whenIdle();
      expect(logLines.some((line) => line.includes(`could not listen on ${busyIP}:80`))).toBe(true);
      expect(await ask(busyIP, 80)).toBe("squatter");
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
    const answer = await eventually("the proxy to listen where the other program did", 5_000, () => ask(busyIP, 80));
    expect(answer).toBe("pod-a:hello");
    store.remove("services", "default", "busy");
    store.remove(ENDPOINT_SLICES, "default", "busy-abcde");
    await proxy!.whenIdle();
  });

  it("serves no UDP port, saying so once, and leaves headless and foreign cluster IPs alone", async () => {
    const udp = { name: "dns", port: 53, protocol: "UDP" };
    store.create("services", service("dns", formatIpv4(parseRange(network.serviceRange).base + 11), [udp]));
    store.create("services", service("headless", "None", [{ name: "http", port: 80 }]));
    store.create("services", service("elsewhere", "192.0.2.10", [{ name: "http", port: 80 }]));
    await proxy!.whenIdle();
    store.mutate("services", "default", "dns", (svc) => {
      svc.metadata.labels = { changed: "yes" };
    });
    await proxy!.whenIdle();
    const udpLines = logLines.filter((line) => line.includes("only TCP ports are"));
    expect(udpLines).toHaveLength(1);
    expect(udpLines[0]).toContain('"service":"default/dns"');
    const addresses = await addressesOf(network.bridge);
    expect(addresses).toContain(`${formatIpv4(parseRange(network.serviceRange).base + 11)}/32`);
    expect(addresses.filter((address) => address.endsWith("/32"))).toHaveLength(2);
  });

  it("puts the cluster IPs of Services made together on the bridge, and hands a gone one's address on", async () => {
    const base = parseRange(network.serviceRange).base;
    const ips = [20, 21, 22].map((n) => formatIpv4(base + n));
    const http = [{ name: "http", port: 80, protocol: "TCP" }];
    ips.forEach((ip, i) => store.create("services", service(`batch-${i}`, ip, http)));
    const [podA, podB] = pods.map((pod) => [pod.attachment.ip, true] as [string, boolean]);
    store.create(ENDPOINT_SLICES, endpointSlice("batch-0-abcde", "batch-0", POD_PORT, [podA!]));
    await proxy!.whenIdle();
    expect(await addressesOf(network.bridge)).toEqual(expect.arrayContaining(ips.map((ip) => `${ip}/32`)));
    expect(await ask(ips[0]!, 80)).toBe("pod-a:hello");
    expect((await refusal(ips[2]!, 80)).code).toBe("ECONNREFUSED");

    // In one turn a Service goes and another takes its address: the address is removed, then added again.
    store.remove("services", "default", "batch-1");
    store.create("services", service("batch-3", ips[1]!, http));
    store.create(ENDPOINT_SLICES, endpointSlice("batch-3-abcde", "batch-3", POD_PORT, [podB!]));
    await proxy!.whenIdle();
    expect(await addressesOf(network.bridge)).toContain(`${ips[1]}/32`);
    expect(await ask(ips[1]!, 80)).toBe("pod-b:hello");

    for (const name of ["batch-0", "batch-2", "batch-3"]) store.remove("services", "default", name);
    for (const name of ["batch-0-abcde", "batch-3-abcde"]) store.remove(ENDPOINT_SLICES, "default", name);
    await proxy!.whenIdle();
    const left = await addressesOf(network.bridge);
    for (const ip of ips) expect(left).not.toContain(`${ip}/32`);
  });

  it("removes the cluster IP when its Service goes, and every address and connection when stopped", async () => {
    store.remove("services", "default", "web");
    await proxy!.whenIdle();
    expect(await addressesOf(network.bridge)).not.toContain(`${clusterIP}/32`);
    expect((await addressesOf(network.bridge)).filter((address) => address.endsWith("/32"))).toHaveLength(1);

    const heldIP = formatIpv4(parseRange(network.serviceRange).base + 12);
    const goneIP = formatIpv4(parseRange(network.serviceRange).base + 14);
    store.create("services", service("held", heldIP, [{ name: "http", port: 80, protocol: "TCP" }]));
    store.create(ENDPOINT_SLICES, endpointSlice("held-abcde", "held", POD_PORT, [[pods[0]!.attachment.ip, true]]));
    await proxy!.whenIdle();
    // Connections that stay open (the Pod answers only once the client has half-closed): one to a Service, one
    // left from when another Service had a ready endpoint.
    const held = await holdConnection(heldIP, 80, "waiting");
    store.create("services", service("gone", goneIP, [{ name: "http", port: 80, protocol: "TCP" }]));
    store.create(ENDPOINT_SLICES, endpointSlice("gone-abcde", "gone", POD_PORT, [[pods[1]!.attachment.ip, true]]));
    await proxy!.whenIdle();
    const leftOver = await holdConnection(goneIP, 80, "waiting");
    store.remove(ENDPOINT_SLICES, "default", "gone-abcde");
    await proxy!.whenIdle();
    expect((await refusal(goneIP, 80)).code).toBe("ECONNREFUSED");

    await proxy!.stop();
    proxy = undefined;
    expect(await addressesOf(network.bridge)).toEqual([`${network.gateway}/24`]);
    // An address no longer served stays on the bridge, checked with the routing tables alone.
    expect(await routeOf(clusterIP)).toMatch(new RegExp(`^${clusterIP.replaceAll(".", "\\.")} dev ${network.bridge} `));
    expect(await withDeadline(held.outcome, 5_000, "the held connection to end")).toBe("ECONNRESET");
    expect(await withDeadline(leftOver.outcome, 5_000, "the left-over connection to end")).toBe("ECONNRESET");
  });
});
