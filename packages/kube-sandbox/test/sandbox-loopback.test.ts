import { mkdtemp, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { Resolver } from "node:dns/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, waitForStore, type KubeObject, type Sandbox } from "../src/index.js";
import { kubectl, kubectlApply } from "./support.js";

const SLEEPER_POD = `
apiVersion: v1
kind: Service
metadata: { name: sleeper }
spec: { selector: { app: sleeper }, ports: [{ port: 8080 }] }
---
apiVersion: v1
kind: Pod
metadata: { name: sleeper, labels: { app: sleeper } }
spec:
  terminationGracePeriodSeconds: 1
  containers: [{ name: main, image: "example.com/sleeper:1", args: ["3600"] }]
`;

// The fallback where namespaces cannot be made (not root): Pods are host processes on loopback addresses.
// It is what `isolation: "loopback"` asks for anywhere, so it stays tested as root too.
describe("startSandbox in loopback mode", () => {
  let dir: string;
  let sandbox: Sandbox;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kube-sandbox-loopback-"));
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

  it("runs Pods as host processes on addresses of its 127.A.B.0/24 block", async () => {
    expect(sandbox.isolation).toBe("loopback");
    const applied = await kubectlApply(sandbox.kubeconfig, join(dir, "sleeper.yaml"), SLEEPER_POD);
    expect(applied.code, applied.stderr).toBe(0);
    const pod = await waitForStore(
      sandbox.store,
      () => {
        const found: KubeObject | undefined = sandbox.store.get("pods", "default", "sleeper");
        return (found?.status as { phase?: string } | undefined)?.phase === "Running" ? found : undefined;
      },
      "the sleeper Pod to run",
      30_000,
    );
    const service = sandbox.store.get("services", "default", "sleeper");
    const clusterIP = (service?.spec as { clusterIP: string }).clusterIP;
    // The one Pod a Service selects listens on the Service's address, so it survives being re-created.
    expect((pod.status as { podIP: string }).podIP).toBe(clusterIP);
    expect(clusterIP.split(".").slice(0, 3)).toEqual(sandbox.address(1).split(".").slice(0, 3));
    expect(clusterIP).toMatch(/^127\./);
    // No UTS namespace: the Pod sees the host's name.
    const named = await kubectl(sandbox.kubeconfig, "exec", "sleeper", "--", "hostname");
    expect(named.stdout.trim()).toBe(hostname());
  });

  it("answers cluster names on a loopback address of its own", async () => {
    expect(sandbox.dns.host).toMatch(/^127\./);
    const resolver = new Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([`${sandbox.dns.host}:${sandbox.dns.port}`]);
    const service = sandbox.store.get("services", "default", "sleeper");
    expect(await resolver.resolve4("sleeper.default.svc.cluster.local")).toEqual([
      (service?.spec as { clusterIP: string }).clusterIP,
    ]);
  });
});
