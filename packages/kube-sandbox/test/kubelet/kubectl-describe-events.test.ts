import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, waitForStore, type Sandbox } from "../../src/index.js";
import { kubectlPath } from "../support.js";

function kubectl(kubeconfig: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(kubectlPath, ["--kubeconfig", kubeconfig, ...args], { timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** A Pod with an init container, an app container never ready, and one that crashes. */
const POD = `
apiVersion: v1
kind: Pod
metadata: { name: web }
spec:
  terminationGracePeriodSeconds: 1
  initContainers:
    - { name: setup, image: "busybox:1.35", command: ["true"] }
  containers:
    - name: main
      image: "busybox:1.36"
      command: ["sleep", "3600"]
      readinessProbe:
        exec: { command: ["sh", "-c", "echo warming up; exit 1"] }
        periodSeconds: 1
    - { name: crasher, image: "busybox:1.34", command: ["sh", "-c", "exit 1"] }
`;

describe("kubectl describe pod", () => {
  let dir: string;
  let sandbox: Sandbox;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kube-sandbox-describe-"));
    sandbox = await startSandbox({ dir, backoffMs: 200 });
  });

  afterAll(async () => {
    await sandbox?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("lists the Events the scheduler and the kubelet wrote about the Pod", async () => {
    const manifest = join(dir, "web.yaml");
    await writeFile(manifest, POD);
    const applied = await kubectl(sandbox.kubeconfig, "apply", "-f", manifest);
    expect(applied.code, applied.stderr).toBe(0);
    await waitForStore(
      sandbox.store,
      () => {
        const reasons = sandbox.store.list("events", "default").map((e) => e.reason);
        return reasons.includes("Unhealthy") && reasons.includes("BackOff");
      },
      "the Pod's Unhealthy and BackOff events",
      20_000,
    );

    const described = await kubectl(sandbox.kubeconfig, "describe", "pod", "web");
    expect(described.code, described.stderr).toBe(0);
    const events = described.stdout.slice(described.stdout.indexOf("\nEvents:"));
    const expected: [string, string, string, string][] = [
      ["Normal", "Scheduled", "default-scheduler", "Successfully assigned default/web to sandbox"],
      ["Normal", "Pulled", "kubelet", 'Container image "busybox:1.35" already present on machine'],
      ["Normal", "Created", "kubelet", "Created container: setup"],
      ["Normal", "Started", "kubelet", "Started container setup"],
      ["Normal", "Started", "kubelet", "Started container main"],
      ["Warning", "Unhealthy", "kubelet", "Readiness probe failed: warming up"],
      ["Warning", "BackOff", "kubelet", "Back-off restarting failed container crasher in pod web_default("],
    ];
    for (const [type, reason, from, message] of expected) {
      // The age column reads `5s`, or `2s (x3 over 5s)` for a repeated Event.
      const age = String.raw`\S+(?: \(x\d+ over \S+\))?`;
      const line = new RegExp(String.raw`^\s+${type}\s+${reason}\s+${age}\s+${from}\s+` + escape(message), "m");
      expect(events, `${reason}: ${message}`).toMatch(line);
    }
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
