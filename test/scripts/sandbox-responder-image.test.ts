import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, waitForStore, type Sandbox } from "kube-sandbox";
import { kubectl } from "../support/kubectl.js";
import { responderImage } from "../support/responder-image.js";

/** A Pod of the responder's image as the chart names it, with `args` when given, run once. */
function responderPod(name: string, args: string[] | undefined): string {
  const container = { name: "responder", image: "etcd-responder:0.1.0", ...(args ? { args } : {}) };
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: { restartPolicy: "Never", containers: [container] },
  });
}

// The sandbox runs the responder's image as the Dockerfile says: `node dist/cli.js` of the working tree (built
// first), `args` replacing the CMD. An image named etcd-responder is not an etcd image.
describe("the responder's image in the sandbox", () => {
  let dir: string;
  let sandbox: Sandbox;
  const run = (...args: string[]) => kubectl(sandbox.kubeconfig, ...args);
  const finished = (pod: string) =>
    waitForStore(
      sandbox.store,
      () =>
        (sandbox.store.get("pods", "default", pod)?.status as { phase?: string } | undefined)?.phase?.match(
          /^(Succeeded|Failed)$/,
        )?.[0],
      `the Pod ${pod} to finish`,
      30_000,
    );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "etcd-responder-image-"));
    sandbox = await startSandbox({ dir, images: [responderImage()] });
  });

  afterAll(async () => {
    await sandbox?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("runs the working tree's CLI with the Pod's args in place of the CMD", async () => {
    const manifest = join(dir, "example.json");
    await writeFile(manifest, responderPod("example", ["example-cluster", "--name", "demo", "--members", "1"]));
    expect((await run("apply", "-f", manifest)).code).toBe(0);
    expect(await finished("example")).toBe("Succeeded");
    const logs = await run("logs", "example");
    expect(logs.stdout).toContain("kind: Deployment");
    expect(logs.stdout).toContain("name: demo-1");
  });

  it("runs the Dockerfile's CMD without args: the combined service, with the chart's config path", async () => {
    const manifest = join(dir, "default.json");
    await writeFile(manifest, responderPod("default", undefined));
    expect((await run("apply", "-f", manifest)).code).toBe(0);
    // No config is mounted here, so the service stops at once, naming the file the CMD gave it.
    expect(await finished("default")).toBe("Failed");
    const logs = await run("logs", "default");
    expect(logs.stdout).toContain("/etc/etcd-responder/config.yaml");
  });
});
