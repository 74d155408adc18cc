import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, waitForStore, type Sandbox } from "../../../src/index.js";
import { kubectl, kubectlApply } from "../../support.js";

const SLEEPERS = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: sleepers }
spec:
  replicas: 0
  selector: { matchLabels: { app: sleepers } }
  template:
    metadata: { labels: { app: sleepers } }
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{ name: main, image: "example.com/sleeper:1", args: ["3600"] }]
`;

// Only HTTP clients meet the faults: the controllers and the kubelet work on the objects in the process.
describe("the fault switch in a running sandbox", () => {
  let dir: string;
  let sandbox: Sandbox;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kube-sandbox-faults-"));
    sandbox = await startSandbox({
      dir,
      isolation: "loopback",
      images: [{ repositories: ["example.com/sleeper"], entrypoint: ["sleep"] }],
    });
  });
  afterAll(async () => {
    await sandbox?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("leaves the controllers and the kubelet alone while every request is answered 500", async () => {
    const applied = await kubectlApply(sandbox.kubeconfig, join(dir, "sleepers.yaml"), SLEEPERS);
    expect(applied.code, applied.stderr).toBe(0);
    const fault = join(dir, "fault.json");
    await writeFile(fault, JSON.stringify({ kind: "answer", code: 500, forMs: 120_000 }));
    expect((await kubectl(sandbox.kubeconfig, "create", "--raw", "/sandbox/faults", "-f", fault)).code).toBe(0);

    // Scaled in the process, as a controller writes: the ReplicaSet, its Pods and their containers follow.
    sandbox.store.mutate("deployments.apps", "default", "sleepers", (deployment) => {
      (deployment.spec as { replicas: number }).replicas = 2;
    });
    const running = () =>
      sandbox.store
        .list("pods", "default")
        .filter((pod) => (pod.status as { phase?: string } | undefined)?.phase === "Running");
    await waitForStore(sandbox.store, () => running().length === 2, "two sleeper Pods running", 30_000);
    const refused = await kubectl(sandbox.kubeconfig, "get", "pods", "-o", "name");
    expect(refused.code).not.toBe(0);

    expect((await kubectl(sandbox.kubeconfig, "delete", "--raw", "/sandbox/faults")).code).toBe(0);
    const listed = await kubectl(sandbox.kubeconfig, "get", "pods", "-o", "name");
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.trim().split("\n").sort()).toEqual(
      running()
        .map((pod) => `pod/${pod.metadata.name}`)
        .sort(),
    );
  });
});
