import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PodNetworkInfo } from "../../src/index.js";
import { OWNER_DIRECTORY } from "../../src/node/network-owner.js";
import { kubectl, kubectlApply } from "../support.js";
import {
  addressesOn,
  interfacesNamed,
  isAlive,
  mountsAnywhere,
  namespacesNamed,
  pidsInNamespace,
  routesOf,
} from "./host-network-state.js";
import { firewallListings, forwardingSysctls, runningAsRoot } from "./isolation-harness.js";

const cli = fileURLToPath(new URL("../../src/cli.ts", import.meta.url));

/** Two sleeping busybox Pods behind a Service, and a Pod that keeps a file on a PersistentVolumeClaim. */
const WORKLOAD = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: sleepers }
spec:
  replicas: 2
  selector: { matchLabels: { app: sleepers } }
  template:
    metadata: { labels: { app: sleepers } }
    spec:
      containers: [{ name: main, image: busybox, command: [sleep, "3600"] }]
---
apiVersion: v1
kind: Service
metadata: { name: sleepers }
spec:
  selector: { app: sleepers }
  ports: [{ port: 80, targetPort: 8080 }]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: kept }
spec:
  accessModes: [ReadWriteOnce]
  resources: { requests: { storage: 1Mi } }
---
apiVersion: v1
kind: Pod
metadata: { name: keeper, labels: { app: keeper } }
spec:
  containers:
    - name: main
      image: busybox
      command: [sh, -c, "echo kept > /data/file && exec sleep 3600"]
      volumeMounts: [{ name: data, mountPath: /data }]
  volumes: [{ name: data, persistentVolumeClaim: { claimName: kept } }]
`;

/** What `DIR/sandbox.json` says; `podNetwork` is there when Pods run in namespaces. */
interface SandboxInfo {
  kubeconfig: string;
  isolation: string;
  podNetwork?: PodNetworkInfo;
}

/** Everything of the sandbox's that the host can see, each entry a line saying what it is. */
interface HostTraces {
  namespaces: string[];
  interfaces: string[];
  routes: string[];
  processes: number[];
  mounts: string[];
  files: string[];
}

/** Resolves once the child prints `sandbox ready`; rejects when it exits first or after `timeoutMs`. */
function sandboxReady(child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "sandbox ready" within ${timeoutMs} ms:\n${output()}`)),
      timeoutMs,
    );
    const onData = () => {
      if (!output().includes("sandbox ready")) return;
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      resolve();
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the sandbox exited (${code ?? signal}) before it was ready:\n${output()}`));
    });
  });
}

/**
 * Polls `remaining` every 250 ms until it lists nothing (there is no event to wait on: the watchdog and the
 * Service proxy change the host, not anything this process can watch); throws with what remained after
 * `timeoutMs`.
 */
async function pollUntilNone(what: string, timeoutMs: number, remaining: () => Promise<string[]>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await remaining();
    if (left.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; left:\n${left.join("\n")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe.runIf(runningAsRoot)("a SIGKILLed sandbox with isolated Pods (needs root, skipped otherwise)", () => {
  let dir: string;
  let child: ChildProcess;
  let exited: Promise<void>;
  let output = "";
  let info: SandboxInfo;
  let network: PodNetworkInfo;
  const sysctlsBefore = forwardingSysctls();
  let rulesetsBefore: string[];

  /** What of the sandbox is on the host now. */
  async function traces(pids: number[]): Promise<HostTraces> {
    const prefix = network.bridge;
    const alive = await Promise.all(pids.map(isAlive));
    return {
      namespaces: await namespacesNamed(prefix),
      interfaces: await interfacesNamed(prefix),
      routes: await routesOf(prefix, [network.podRange, network.serviceRange]),
      processes: pids.filter((_, i) => alive[i]),
      mounts: await mountsAnywhere(dir),
      files: [join(dir, "pods"), join(dir, "persistent-volumes"), join(OWNER_DIRECTORY, `${prefix}.lock`)].filter(
        existsSync,
      ),
    };
  }

  beforeAll(async () => {
    rulesetsBefore = await firewallListings();
    dir = await mkdtemp(join(tmpdir(), "kube-sandbox-sigkill-"));
    child = spawn(process.execPath, ["--import", "tsx", cli, "--dir", dir, "--isolation", "namespaces"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    exited = new Promise((resolve) => child.once("exit", () => resolve()));
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    await sandboxReady(child, () => output, 60_000);
    info = JSON.parse(await readFile(join(dir, "sandbox.json"), "utf8")) as SandboxInfo;
    expect(info.isolation).toBe("namespaces");
    expect(info.podNetwork).toBeDefined();
    network = info.podNetwork!;
  }, 90_000);

  afterAll(async () => {
    // Killed like the test does, so that the watchdog cleans up even when a test failed midway.
    if (child?.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
    if (network) {
      await pollUntilNone("the watchdog to remove the sandbox's network", 30_000, async () => [
        ...(await namespacesNamed(network.bridge)),
        ...(await interfacesNamed(network.bridge)),
      ]);
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it("leaves no namespace, interface, route, mount, process or data behind, and no changed setting", async () => {
    const applied = await kubectlApply(info.kubeconfig, join(dir, "workload.yaml"), WORKLOAD);
    expect(applied.code, applied.stderr).toBe(0);
    const ready = await kubectl(info.kubeconfig, "wait", "--for=condition=Ready", "pod", "--all", "--timeout=60s");
    expect(ready.code, ready.stderr).toBe(0);

    const pods = JSON.parse((await kubectl(info.kubeconfig, "get", "pods", "-o", "json")).stdout) as {
      items: { status: { containerStatuses: { containerID: string }[] } }[];
    };
    const containerPids = pods.items.map((pod) =>
      Number(pod.status.containerStatuses[0]!.containerID.replace("sandbox://", "")),
    );
    expect(containerPids).toHaveLength(3);
    const service = JSON.parse((await kubectl(info.kubeconfig, "get", "service", "sleepers", "-o", "json")).stdout) as {
      spec: { clusterIP: string };
    };
    await pollUntilNone(`the Service address ${service.spec.clusterIP} to be on ${network.bridge}`, 30_000, async () =>
      (await addressesOn(network.bridge)).includes(service.spec.clusterIP) ? [] : [service.spec.clusterIP],
    );

    const namespaces = await namespacesNamed(network.bridge);
    const namespacePids = (await Promise.all(namespaces.map(pidsInNamespace))).flat();
    const pids = [...new Set([child.pid!, ...containerPids, ...namespacePids])];
    const before = await traces(pids);
    expect(before.namespaces).toHaveLength(3);
    expect(before.interfaces).toEqual(expect.arrayContaining([network.bridge]));
    expect(before.interfaces.length).toBeGreaterThanOrEqual(4);
    expect(before.routes).toEqual(
      expect.arrayContaining([
        `${network.podRange} dev ${network.bridge} table main`,
        `${network.serviceRange} dev ${network.bridge} table main`,
        `${service.spec.clusterIP} dev ${network.bridge} table local`,
      ]),
    );
    // The command, each container, and each Pod's first process and what it started.
    expect(before.processes).toEqual(expect.arrayContaining([child.pid, ...containerPids]));
    expect(before.processes.length).toBeGreaterThan(6);
    expect(before.mounts.length).toBeGreaterThan(0);
    expect(before.files).toHaveLength(3);

    child.kill("SIGKILL");
    await exited;
    await pollUntilNone("every trace of the sandbox to go", 30_000, async () =>
      Object.entries(await traces(pids)).flatMap(([kind, left]) =>
        (left as (string | number)[]).map((x) => `${kind}: ${x}`),
      ),
    );

    expect(forwardingSysctls()).toEqual(sysctlsBefore);
    expect(await firewallListings()).toEqual(rulesetsBefore);
  });
});
