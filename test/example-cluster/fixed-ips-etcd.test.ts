import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateExampleCluster } from "../../src/cli/example-cluster-manifests.js";
import { probePort } from "kube-sandbox";

const run = promisify(execFile);
const IPS = ["127.78.0.1", "127.78.0.2", "127.78.0.3"];

interface Member {
  name: string;
  peerURLs: string[];
  /** Absent until the member has published them. */
  clientURLs?: string[];
}

interface ContainerSpec {
  command: string[];
  args: string[];
  env: { name: string; value?: string }[];
}

/** What the kubelet would do: put the Pod's address in for $(POD_IP) and the data volume's directory for its mount. */
function expand(text: string, podIp: string, dataDir: string): string {
  return text.replaceAll("$(POD_IP)", podIp).replace("/var/run/etcd/", `${dataDir}/`);
}

async function waitFor<T>(what: string, timeoutMs: number, attempt: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last error: ${String(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

describe("a fixed-address cluster started from the generated arguments", () => {
  const children: ChildProcess[] = [];
  const logs: string[] = [];
  let dataRoot = "";
  let etcdctlEnv: Record<string, string> = {};

  beforeAll(async () => {
    // A second run of this file at the same time would mix two clusters on the same addresses.
    for (const ip of IPS) {
      for (const port of [2379, 2380, 2381]) {
        const busy = await probePort(ip, port);
        if (busy) throw new Error(`${ip}:${port} is not free (${busy}): is another run of this test going on?`);
      }
    }
    dataRoot = mkdtempSync(join(tmpdir(), "example-cluster-etcd-"));
    const objects = generateExampleCluster({
      name: "example",
      members: 3,
      namespace: "default",
      addressing: { kind: "fixed-ips", ips: IPS },
    });
    const deployments = objects.filter((o) => o.kind === "Deployment");
    deployments.forEach((deployment, i) => {
      const ip = IPS[i]!;
      const container = (deployment.spec as any).template.spec.containers[0] as ContainerSpec;
      const dataDir = join(dataRoot, `member-${i + 1}`);
      const [command, ...commandArgs] = container.command;
      const child = spawn(command!, [...commandArgs, ...container.args.map((a) => expand(a, ip, dataDir))], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      children.push(child);
      child.on("error", (err) => logs.push(`could not start etcd: ${err.message}\n`));
      child.stdout?.on("data", (chunk: Buffer) => logs.push(chunk.toString()));
      child.stderr?.on("data", (chunk: Buffer) => logs.push(chunk.toString()));
      if (i === 0) {
        const values = container.env
          .filter((e) => e.value !== undefined)
          .map((e) => [e.name, expand(e.value!, ip, dataDir)]);
        etcdctlEnv = Object.fromEntries(values);
      }
    });
  });

  afterAll(async () => {
    // One at a time: a leader stopped together with its followers waits for a leadership transfer that cannot happen.
    for (const child of children) await stop(child);
    if (dataRoot) rmSync(dataRoot, { recursive: true, force: true });
  });

  it("forms one cluster of three named members with the fixed peer URLs", async () => {
    const members = await waitFor(
      "three started members with their client URLs in `etcdctl member list`",
      30_000,
      async () => {
        for (const child of children) {
          if (child.exitCode !== null)
            throw new Error(`etcd ${child.pid} exited with ${child.exitCode}:\n${logs.join("").slice(-2000)}`);
        }
        // The Pod's own environment (ETCDCTL_API, ETCDCTL_ENDPOINTS) picks the endpoint, as `kubectl exec` would.
        const { stdout } = await run("etcdctl", ["member", "list", "-w", "json"], {
          env: { ...process.env, ...etcdctlEnv },
          timeout: 5_000,
        });
        const list = (JSON.parse(stdout) as { members?: Member[] }).members ?? [];
        // Names come from --initial-cluster at once; client URLs only once each member has published them.
        return list.length === 3 && list.every((m) => m.name && m.clientURLs?.length) ? list : undefined;
      },
    );
    expect(etcdctlEnv.ETCDCTL_ENDPOINTS).toBe("http://127.78.0.1:2379");
    const byName = members.map((m) => [m.name, m.peerURLs, m.clientURLs]).sort();
    expect(byName).toEqual([
      ["example1", ["http://127.78.0.1:2380"], ["http://127.78.0.1:2379"]],
      ["example2", ["http://127.78.0.2:2380"], ["http://127.78.0.2:2379"]],
      ["example3", ["http://127.78.0.3:2380"], ["http://127.78.0.3:2379"]],
    ]);
  }, 40_000);

  it("answers the readiness probe on the metrics port once a leader is elected", async () => {
    const health = await waitFor("a healthy /health on 127.78.0.2:2381", 10_000, async () => {
      const res = await fetch("http://127.78.0.2:2381/health");
      const body = (await res.json()) as { health: string };
      return body.health === "true" ? body : undefined;
    });
    expect(health.health).toBe("true");
  }, 15_000);
});
