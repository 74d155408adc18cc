import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, waitForStore, type KubeObject, type Sandbox } from "kube-sandbox";
import { kubectl } from "../support/kubectl.js";
import { repoRoot } from "../support/tools.js";

const EXAMPLE_DIR = resolve(repoRoot, "deploy/examples/etcd-cluster");
const MEMBERS = 5;

/** The names of the Ready Pods of the example cluster in `namespace`. */
function readyMembers(sandbox: Sandbox, namespace: string): string[] {
  return sandbox.store
    .list("pods", namespace)
    .filter((pod: KubeObject) => {
      const conditions = (pod.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions;
      return (
        pod.metadata.labels?.["etcd.responder.io/cluster"] === "example" &&
        !pod.metadata.deletionTimestamp &&
        (conditions ?? []).some((c) => c.type === "Ready" && c.status === "True")
      );
    })
    .map((pod) => pod.metadata.name);
}

// The example manifests as users apply them, unchanged: the members find each other by the seed's Service names
// (`http://example3:2380`) through the cluster DNS and the Services' cluster IPs, in any namespace.
describe("deploy/examples/etcd-cluster in the sandbox", () => {
  let dir: string;
  let sandbox: Sandbox;
  const run = (...args: string[]) => kubectl(sandbox.kubeconfig, ...args);
  const formed = (namespace: string) =>
    waitForStore(
      sandbox.store,
      () => readyMembers(sandbox, namespace).length === MEMBERS || undefined,
      `${MEMBERS} Ready members of the example cluster in ${namespace}`,
      90_000,
      () => `ready: ${readyMembers(sandbox, namespace).join(", ")}`,
    );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "etcd-responder-examples-"));
    sandbox = await startSandbox({ dir });
  });

  afterAll(async () => {
    await sandbox?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("forms the cluster from `kubectl apply -f` in default, reached by the seed's URLs inside a member", async () => {
    expect(sandbox.isolation).toBe("namespaces");
    const applied = await run("apply", "-f", EXAMPLE_DIR);
    expect(applied.code, applied.stderr).toBe(0);
    await formed("default");
    const member = readyMembers(sandbox, "default")[0]!;
    const listed = await run(
      "exec",
      member,
      "--",
      "etcdctl",
      "--endpoints=http://example3:2379",
      "member",
      "list",
      "-w",
      "simple",
    );
    expect(listed.code, listed.stderr).toBe(0);
    const names = listed.stdout
      .trim()
      .split("\n")
      .map((line) => line.split(", ")[2]);
    expect(names.sort()).toEqual(["example1", "example2", "example3", "example4", "example5"]);
    const put = await run("exec", member, "--", "etcdctl", "--endpoints=http://example3:2379", "put", "k", "v");
    expect(put.code, put.stderr).toBe(0);
    const got = await run(
      "exec",
      member,
      "--",
      "etcdctl",
      "--endpoints=http://example5.default.svc.cluster.local:2379",
      "get",
      "k",
      "--print-value-only",
    );
    expect(got.stdout.trim()).toBe("v");
  });

  it("forms a second cluster from `kubectl apply -k` in another namespace, on the same ports", async () => {
    expect((await run("create", "namespace", "other")).code).toBe(0);
    const applied = await run("apply", "-n", "other", "-k", EXAMPLE_DIR);
    expect(applied.code, applied.stderr).toBe(0);
    await formed("other");
    const member = readyMembers(sandbox, "other")[0]!;
    const health = await run(
      "exec",
      "-n",
      "other",
      member,
      "--",
      "etcdctl",
      "--endpoints=http://example1:2379,http://example2:2379,http://example3:2379",
      "endpoint",
      "health",
    );
    expect(health.code, health.stderr).toBe(0);
    // etcdctl 3.4 reports each endpoint's health on stderr.
    expect(`${health.stdout}${health.stderr}`.match(/is healthy/g)).toHaveLength(3);
  });
});
