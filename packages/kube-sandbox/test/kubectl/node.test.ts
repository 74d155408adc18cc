import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pod } from "../../src/controllers/workload-types.js";
import { waitForStore } from "../../src/index.js";
import { sleeperDeployment, startKubectlSandbox, type KubectlSandbox } from "./kubectl-sandbox.js";

const WAIT_MS = 30_000;

describe("the sandbox's one Node", () => {
  let k: KubectlSandbox;
  /** The Node's InternalIP: the bridge's address with isolated Pods, 127.0.0.1 on loopback. */
  const nodeAddress = () => {
    const status = k.sandbox.store.get("nodes", "", "sandbox")?.status as {
      addresses: { type: string; address: string }[];
    };
    return status.addresses.find((a) => a.type === "InternalIP")?.address ?? "";
  };

  beforeAll(async () => {
    k = await startKubectlSandbox();
  });

  afterAll(async () => {
    await k?.stop();
  });

  it("is listed Ready by kubectl get nodes, with the API server's version", async () => {
    const version = await k.kubectl("version", "-o", "json");
    expect(version.code, version.stderr).toBe(0);
    const server = (JSON.parse(version.stdout) as { serverVersion: { gitVersion: string } }).serverVersion.gitVersion;

    const nodes = await k.kubectl("get", "nodes", "-o", "wide");
    expect(nodes.code, nodes.stderr).toBe(0);
    const [header, row, ...more] = nodes.stdout.trim().split("\n");
    expect(header).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+INTERNAL-IP\s+EXTERNAL-IP\s+OS-IMAGE/);
    expect(row?.split(/\s+/).slice(0, 7)).toEqual([
      "sandbox",
      "Ready",
      "<none>",
      expect.stringMatching(/^\d+s$/),
      server,
      nodeAddress(),
      "<none>",
    ]);
    expect(more).toEqual([]);
  });

  it("runs every Pod: kubectl describe node shows them, and they carry its name and address", async () => {
    await k.apply(sleeperDeployment("on-node", 1));
    const pod = await waitForStore(
      k.sandbox.store,
      () =>
        (k.sandbox.store.list("pods", "default") as Pod[]).find(
          (p) => p.metadata.labels?.app === "on-node" && p.status?.phase === "Running",
        ),
      "the on-node Pod to run",
      WAIT_MS,
    );
    expect(pod.spec?.nodeName).toBe("sandbox");
    expect(pod.status?.hostIP).toBe(nodeAddress());

    const described = await k.kubectl("describe", "node", "sandbox");
    expect(described.code, described.stderr).toBe(0);
    expect(described.stdout).toMatch(/^Name:\s+sandbox$/m);
    expect(described.stdout).toMatch(/^Lease:\s+HolderIdentity:\s+sandbox$/m);
    expect(described.stdout).toMatch(/^\s+Ready\s+True\s.*KubeletReady\s+kubelet is posting ready status$/m);
    expect(described.stdout).toMatch(
      new RegExp(String.raw`^\s+InternalIP:\s+${nodeAddress().replaceAll(".", "\\.")}$`, "m"),
    );
    expect(described.stdout).toMatch(/^\s+Kubelet Version:\s+v1\.32\.\S+$/m);
    expect(described.stdout).toMatch(/^Non-terminated Pods:\s+\(1 in total\)$/m);
    expect(described.stdout).toContain(pod.metadata.name);
  });
});
