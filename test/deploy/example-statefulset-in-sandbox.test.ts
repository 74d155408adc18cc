import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, waitForStore, type KubeObject, type Sandbox } from "kube-sandbox";
import { kubectl } from "../support/kubectl.js";
import { repoRoot } from "../support/tools.js";

const EXAMPLE_DIR = resolve(repoRoot, "deploy/examples/etcd-statefulset");

/** The names of the Ready Pods of the example StatefulSet in `namespace`. */
function readyPods(sandbox: Sandbox, namespace: string): string[] {
  return sandbox.store
    .list("pods", namespace)
    .filter((pod: KubeObject) => {
      const conditions = (pod.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions;
      return (
        pod.metadata.labels?.["app.kubernetes.io/instance"] === "example" &&
        !pod.metadata.deletionTimestamp &&
        (conditions ?? []).some((c) => c.type === "Ready" && c.status === "True")
      );
    })
    .map((pod) => pod.metadata.name)
    .sort();
}

// The checked-in example carries no namespace: each Pod reads its own from the downward API, so the members'
// URLs name the namespace it was applied to.
describe("deploy/examples/etcd-statefulset in the sandbox", () => {
  let dir: string;
  let sandbox: Sandbox;
  const run = (...args: string[]) => kubectl(sandbox.kubeconfig, ...args);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "etcd-responder-statefulset-"));
    sandbox = await startSandbox({ dir });
  });

  afterAll(async () => {
    await sandbox?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("forms the cluster from `kubectl apply -k` in another namespace, members at their Pod DNS names", async () => {
    expect(sandbox.isolation).toBe("namespaces");
    expect((await run("create", "namespace", "other")).code).toBe(0);
    const applied = await run("apply", "-n", "other", "-k", EXAMPLE_DIR);
    expect(applied.code, applied.stderr).toBe(0);
    await waitForStore(
      sandbox.store,
      () => readyPods(sandbox, "other").length === 3 || undefined,
      "3 Ready Pods of the example StatefulSet in other",
      90_000,
      () => `ready: ${readyPods(sandbox, "other").join(", ")}`,
    );
    const listed = await run("exec", "-n", "other", "example-0", "--", "etcdctl", "member", "list", "-w", "simple");
    expect(listed.code, listed.stderr).toBe(0);
    const members = listed.stdout
      .trim()
      .split("\n")
      .map((line) => line.split(", ").slice(2, 4))
      .sort();
    expect(members).toEqual(
      ["example-0", "example-1", "example-2"].map((pod) => [pod, `http://${pod}.example-headless.other.svc:2380`]),
    );
    const claims = await run("get", "pvc", "-n", "other", "-o", "name");
    expect(claims.stdout.trim().split("\n").sort()).toEqual([
      "persistentvolumeclaim/data-example-0",
      "persistentvolumeclaim/data-example-1",
      "persistentvolumeclaim/data-example-2",
    ]);
    // The client Service balances over the members.
    const put = await run("exec", "-n", "other", "example-2", "--", "etcdctl", "--endpoints=http://example:2379", "put", "k", "v");
    expect(put.code, put.stderr).toBe(0);
  });
});
