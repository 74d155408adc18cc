import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Etcd3 } from "etcd3";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { startSandboxProcess, type SandboxProcess } from "../support/sandbox-process.js";
import { processAlive } from "../support/processes.js";

/** Pids of every container the sandbox runs, from the Pods' containerIDs (`sandbox://PID`). */
async function containerPids(sandbox: SandboxProcess): Promise<number[]> {
  const kc = new KubeConfig();
  kc.loadFromFile(sandbox.info.kubeconfig);
  const pods = await kc.makeApiClient(CoreV1Api).listPodForAllNamespaces();
  return pods.items.flatMap((p) =>
    (p.status?.containerStatuses ?? []).map((c) => Number(c.containerID?.replace("sandbox://", ""))),
  );
}

/**
 * Resolves once none of `pids` is alive; fails after `timeoutMs`. Process exit has no event to wait on for
 * non-children.
 */
/** Polls (nothing announces either) until `gone()` holds, or throws after `timeoutMs` with what was left. */
async function waitUntilGone(gone: () => boolean, left: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!gone()) {
    if (Date.now() > deadline) throw new Error(`${left()} still there after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until none of `pids` is alive. */
function processesGone(pids: number[], timeoutMs: number): Promise<void> {
  return waitUntilGone(
    () => !pids.some(processAlive),
    () => `processes ${pids.filter(processAlive).join(", ")}`,
    timeoutMs,
  );
}

describe("sandbox lifecycle", () => {
  let sandbox: SandboxProcess | undefined;
  afterEach(async () => {
    await sandbox?.stop();
    sandbox = undefined;
  });

  it("stops every process and removes its data on SIGTERM, exiting 0", async () => {
    sandbox = await startSandboxProcess({ members: 3, isolation: "auto" });
    const pids = await containerPids(sandbox);
    expect(pids).toHaveLength(3);
    expect(pids.every(processAlive)).toBe(true);
    expect(existsSync(join(sandbox.dir, "pods"))).toBe(true);

    process.kill(sandbox.pid, "SIGTERM");
    expect(await sandbox.exited).toBe(0);
    expect(pids.filter(processAlive)).toEqual([]);
    expect(existsSync(join(sandbox.dir, "pods"))).toBe(false);
    expect(existsSync(join(sandbox.dir, "sandbox.json"))).toBe(false);
  });

  it("leaves no orphan when the sandbox itself is killed with SIGKILL", async () => {
    sandbox = await startSandboxProcess({ members: 3, isolation: "auto" });
    const pids = await containerPids(sandbox);
    process.kill(sandbox.pid, "SIGKILL");
    await sandbox.exited;
    await processesGone(pids, 15_000);
    // The watchdog removes the Pods' data last, once it has taken down their processes and network.
    const podsDir = join(sandbox.dir, "pods");
    await waitUntilGone(
      () => !existsSync(podsDir),
      () => podsDir,
      15_000,
    );
  });

  it("runs several independent clusters with client-certificate TLS in another namespace", async () => {
    sandbox = await startSandboxProcess({
      members: 3,
      clusters: 2,
      tls: true,
      namespace: "etcd",
      name: "demo",
      isolation: "auto",
    });
    const { info } = sandbox;
    expect(info.clusters.map((c) => [c.name, c.namespace])).toEqual([
      ["demo-a", "etcd"],
      ["demo-b", "etcd"],
    ]);
    expect(info.tls).not.toBeNull();
    const credentials = {
      rootCertificate: readFileSync(info.tls!.ca),
      certChain: readFileSync(info.tls!.cert),
      privateKey: readFileSync(info.tls!.key),
    };
    const ids = new Set<string>();
    for (const cluster of info.clusters) {
      expect(cluster.members.every((m) => m.clientURL.startsWith("https://"))).toBe(true);
      const client = new Etcd3({ hosts: cluster.members.map((m) => m.clientURL), credentials });
      try {
        const list = await client.cluster.memberList({});
        expect(list.members.map((m) => m.name).sort()).toEqual([1, 2, 3].map((i) => `${cluster.name}${i}`));
        ids.add(String(list.header.cluster_id));
      } finally {
        client.close();
      }
    }
    expect(ids.size).toBe(2);

    // Without a client certificate etcd refuses the connection.
    const anonymous = new Etcd3({
      hosts: [info.clusters[0]!.members[0]!.clientURL],
      credentials: { rootCertificate: credentials.rootCertificate },
      dialTimeout: 2000,
    });
    try {
      await expect(anonymous.cluster.memberList({})).rejects.toThrow();
    } finally {
      anonymous.close();
    }
  });

  it("runs its Pods as host processes on loopback addresses with --isolation loopback, and says so", async () => {
    sandbox = await startSandboxProcess({ members: 1, isolation: "loopback" });
    expect(sandbox.info.isolation).toBe("loopback");
    const member = sandbox.info.clusters[0]!.members[0]!;
    expect(new URL(member.clientURL).hostname).toMatch(/^127\./);
    const client = new Etcd3({ hosts: [member.clientURL] });
    try {
      expect((await client.cluster.memberList({})).members.map((m) => m.name)).toEqual(["example1"]);
    } finally {
      client.close();
    }
  });

  it("refuses an unknown --isolation mode with a usage error", async () => {
    const failed = startSandboxProcess({ members: 1, isolation: "vm" as "auto" });
    await expect(failed).rejects.toThrow(
      /exited with 2 .*\n.*--isolation must be auto, namespaces or loopback, got "vm"/s,
    );
  });
});
