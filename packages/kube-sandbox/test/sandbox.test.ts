import { Resolver } from "node:dns/promises";
import { execFile, spawn } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, waitForStore, type Sandbox } from "../src/index.js";
import { kubectl, kubectlApply, processAlive } from "./support.js";

const cli = fileURLToPath(new URL("../src/cli.ts", import.meta.url));

/** A Deployment of one Pod whose container has no `command`: its image's ENTRYPOINT (`sleep`) runs its args. */
const SLEEPER = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: sleeper }
spec:
  replicas: 1
  selector: { matchLabels: { app: sleeper } }
  template:
    metadata: { labels: { app: sleeper } }
    spec:
      containers: [{ name: main, image: "example.com/sleeper:1", args: ["3600"] }]
`;

/** The pids of every container the sandbox runs (`containerID` is `sandbox://PID`). */
function containerPids(sandbox: Sandbox): number[] {
  return sandbox.store
    .list("pods")
    .flatMap(
      (pod) => (pod.status as { containerStatuses?: { containerID?: string }[] } | undefined)?.containerStatuses ?? [],
    )
    .map((status) => Number(status.containerID?.replace("sandbox://", "")))
    .filter((pid) => pid > 0);
}

function runningPod(sandbox: Sandbox, app: string) {
  return sandbox.store.list("pods", "default").find((pod) => {
    const statuses = (pod.status as { containerStatuses?: { state?: { running?: unknown } }[] } | undefined)
      ?.containerStatuses;
    return pod.metadata.labels?.app === app && statuses?.[0]?.state?.running !== undefined;
  });
}

describe("startSandbox", () => {
  let dir: string;
  let sandbox: Sandbox;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kube-sandbox-test-"));
    sandbox = await startSandbox({ dir, images: [{ repositories: ["example.com/sleeper"], entrypoint: ["sleep"] }] });
  });

  afterAll(async () => {
    await sandbox?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("serves kubectl with its kubeconfig and runs a Deployment's Pod as a process, by the image catalog", async () => {
    const applied = await kubectlApply(sandbox.kubeconfig, join(dir, "sleeper.yaml"), SLEEPER);
    expect(applied.code, applied.stderr).toBe(0);
    const pod = await waitForStore(
      sandbox.store,
      () => runningPod(sandbox, "sleeper"),
      "the sleeper Pod to run",
      30_000,
    );
    const pids = containerPids(sandbox);
    expect(pids).toHaveLength(1);
    expect(processAlive(pids[0]!)).toBe(true);
    const listed = await kubectl(sandbox.kubeconfig, "get", "pods", "-o", "name");
    expect(listed.stdout.trim()).toBe(`pod/${pod.metadata.name}`);
  });

  it("answers an image it does not have with ErrImagePull, then ImagePullBackOff, as kubectl shows", async () => {
    const noImage =
      "apiVersion: v1\nkind: Pod\nmetadata: { name: no-image }\n" +
      "spec: { containers: [{ name: main, image: example.com/nowhere:1, command: [sleep, '60'] }] }\n";
    const seen = new Map<string, string | undefined>();
    const waitingReason = () => {
      const pod = sandbox.store.get("pods", "default", "no-image");
      const statuses = (
        pod?.status as { containerStatuses?: { state?: { waiting?: { reason?: string; message?: string } } }[] }
      )?.containerStatuses;
      const waiting = statuses?.[0]?.state?.waiting;
      // Every container waits in ContainerCreating first, as on a real node.
      if (waiting?.reason && waiting.reason !== "ContainerCreating" && !seen.has(waiting.reason)) {
        seen.set(waiting.reason, waiting.message);
      }
      return waiting?.reason;
    };
    const applied = await kubectlApply(sandbox.kubeconfig, join(dir, "unknown-image.yaml"), noImage);
    expect(applied.code, applied.stderr).toBe(0);
    await waitForStore(sandbox.store, () => waitingReason() === "ErrImagePull", "the Pod to show ErrImagePull", 30_000);
    expect(seen.get("ErrImagePull")).toBe(
      'Failed to pull image "example.com/nowhere:1": ' +
        "example.com/nowhere:1: not found in the sandbox's image catalog",
    );
    await waitForStore(
      sandbox.store,
      () => waitingReason() === "ImagePullBackOff",
      "the Pod to show ImagePullBackOff",
      30_000,
    );
    const listed = await kubectl(sandbox.kubeconfig, "get", "pod", "no-image", "--no-headers");
    expect(listed.stdout).toMatch(/^no-image\s+0\/1\s+(ImagePullBackOff|ErrImagePull)\s+0\s/);
    expect([...seen.keys()]).toEqual(["ErrImagePull", "ImagePullBackOff"]);
    const described = await kubectl(sandbox.kubeconfig, "describe", "pod", "no-image");
    const events = described.stdout.slice(described.stdout.indexOf("Events:"));
    expect(events).toMatch(
      /Warning\s+Failed\s+\S+(?: \(x\d+ over \S+\))?\s+kubelet\s+Failed to pull image "example\.com\/nowhere:1"/,
    );
    expect(events).toMatch(/Warning\s+Failed\s+\S+(?: \(x\d+ over \S+\))?\s+kubelet\s+Error: ErrImagePull/);
    expect(events).toMatch(
      /Normal\s+BackOff\s+\S+(?: \(x\d+ over \S+\))?\s+kubelet\s+Back-off pulling image "example\.com\/nowhere:1"/,
    );
    expect((await kubectl(sandbox.kubeconfig, "delete", "pod", "no-image", "--wait=false")).code).toBe(0);
  });

  it("hands out Service addresses of a range of its own: the Service range, or a 127.A.B.0/24 block", () => {
    if (sandbox.isolation === "loopback") expect(sandbox.address(1)).toMatch(/^127\.\d{1,3}\.\d{1,3}\.1$/);
    else expect(sandbox.address(1)).not.toMatch(/^127\./);
    expect(sandbox.address(7).split(".").slice(0, 3)).toEqual(sandbox.address(1).split(".").slice(0, 3));
  });

  it("answers a Service's cluster DNS name on its own address, on port 53 when root", async () => {
    const created = await kubectlApply(
      sandbox.kubeconfig,
      join(dir, "named.yaml"),
      "apiVersion: v1\nkind: Service\nmetadata: {name: named}\nspec: {ports: [{name: client, port: 2379}]}\n",
    );
    expect(created.code, created.stderr).toBe(0);
    const service = sandbox.store.get("services", "default", "named")!;
    const resolver = new Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([`${sandbox.dns.host}:${sandbox.dns.port}`]);
    expect(await resolver.resolve4("named.default.svc.cluster.local")).toEqual([
      (service.spec as { clusterIP: string }).clusterIP,
    ]);
    if (sandbox.isolation === "loopback") {
      expect(sandbox.dns.host.split(".").slice(0, 3)).toEqual(sandbox.address(1).split(".").slice(0, 3));
    } else {
      // The bridge's address, the Pods' gateway: what their /etc/resolv.conf names.
      const node = sandbox.store.get("nodes", "", "sandbox")?.status as { addresses: { address: string }[] };
      expect(sandbox.dns.host).toBe(node.addresses[0]?.address);
    }
    if (process.getuid?.() === 0) expect(sandbox.dns.port).toBe(53);
  });

  it("issues certificates that its CA file verifies", async () => {
    const leaf = await sandbox.ca.issue({ commonName: "member", ips: [sandbox.address(2)], usages: ["server"] });
    const ca = new X509Certificate(await readFile(sandbox.caFile));
    expect(new X509Certificate(leaf.cert).verify(ca.publicKey)).toBe(true);
  });

  it("stops every process it started and removes the Pods' data; a second stop is harmless", async () => {
    const pids = containerPids(sandbox);
    expect(pids.length).toBeGreaterThan(0);
    await sandbox.stop();
    expect(pids.filter(processAlive)).toEqual([]);
    expect(existsSync(join(dir, "pods"))).toBe(false);
    await sandbox.stop();
  });
});

describe("kube-sandbox (the command)", () => {
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, ["--import", "tsx", cli, ...args], { timeout: 30_000 }, (error, _stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr }),
      );
    });

  it("refuses a bad command line with exit 2 and one line saying why", async () => {
    const missing = await run([]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.split("\n")[0]).toBe("kube-sandbox: --dir is required");
    const badFile = join(tmpdir(), `kube-sandbox-images-${process.pid}.yaml`);
    await writeFile(badFile, "images:\n  - repositories: [example.com/sleeper]\n    entrypoint: sleep\n");
    try {
      const images = await run(["--dir", tmpdir(), "--images", badFile]);
      expect(images.code).toBe(2);
      expect(images.stderr).toBe(
        `kube-sandbox: --images ${badFile}: images[0].entrypoint: must be a list of strings\n`,
      );
    } finally {
      await rm(badFile, { force: true });
    }
    const backoff = await run(["--dir", tmpdir(), "--backoff-ms", "soon"]);
    expect(backoff.code).toBe(2);
    expect(backoff.stderr.split("\n")[0]).toMatch(/^kube-sandbox: --backoff-ms must be a whole number/);
  });

  it("runs --images images, writes sandbox.json, on SIGTERM stops its Pods, removes their data, exits 0", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kube-sandbox-cli-"));
    const images = join(dir, "images.json");
    await writeFile(
      images,
      JSON.stringify({ images: [{ repositories: ["example.com/sleeper"], entrypoint: ["sleep"] }] }),
    );
    const child = spawn(process.execPath, ["--import", "tsx", cli, "--dir", dir, "--images", images], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      let output = "";
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "sandbox ready" within 30 s:\n${output}`)), 30_000);
        child.stdout.on("data", (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes("sandbox ready")) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
        void exited.then((code) => reject(new Error(`exited with ${code} before it was ready:\n${output}`)));
      });
      const info = JSON.parse(await readFile(join(dir, "sandbox.json"), "utf8")) as Record<string, string>;
      expect(info.kubeconfig).toBe(join(dir, "kubeconfig"));
      expect(info.apiServer).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(info.dnsServer).toMatch(/^\d+\.\d+\.\d+\.\d+:\d+$/);
      expect((await kubectlApply(info.kubeconfig!, join(dir, "sleeper.yaml"), SLEEPER)).code).toBe(0);
      const waited = await kubectl(
        info.kubeconfig!,
        "wait",
        "--for=condition=Ready",
        "pod",
        "-l",
        "app=sleeper",
        "--timeout=30s",
      );
      expect(waited.code, waited.stderr).toBe(0);
      const json = JSON.parse((await kubectl(info.kubeconfig!, "get", "pods", "-o", "json")).stdout) as {
        items: { status: { containerStatuses: { containerID: string }[] } }[];
      };
      const pids = json.items.map((pod) =>
        Number(pod.status.containerStatuses[0]!.containerID.replace("sandbox://", "")),
      );
      expect(pids.every(processAlive)).toBe(true);

      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(pids.filter(processAlive)).toEqual([]);
      expect(existsSync(join(dir, "pods"))).toBe(false);
      expect(existsSync(join(dir, "sandbox.json"))).toBe(false);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
      await rm(dir, { recursive: true, force: true });
    }
  });
});
