import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeConfig } from "@kubernetes/client-node";
import { expectHealthyCluster, writeKeys } from "../support/etcd-cluster-checks.js";
import { runHelm } from "../support/helm-chart.js";
import { kubectl } from "../support/kubectl.js";
import { kubeConfigFrom } from "../support/pod-watch.js";
import { releaseReceiver } from "../support/release-receiver.js";
import { ResponderClient } from "../support/responder-client.js";
import { startSandboxProcess, type SandboxProcess } from "../support/sandbox-process.js";
import { loseMemberData, podIdentities, readStatefulSet } from "../support/statefulset-member.js";

const NS = "default";
const RELEASE = "etcd-responder";
const KEYS = 20;

// The StatefulSet layout as users would run it: the chart installed with its defaults but for the cluster, which is
// the sandbox's etcd StatefulSet on claims. The in-cluster worker has only the chart's Role.
describe("the Helm-installed responder heals a StatefulSet member on claims, under its own RBAC", () => {
  let dir: string;
  let sandbox: SandboxProcess;
  let kc: KubeConfig;
  const cluster = () => sandbox.info.clusters[0]!;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "etcd-responder-helm-statefulset-"));
    sandbox = await startSandboxProcess({ workload: "statefulset", members: 3 });
    kc = kubeConfigFrom(sandbox.info.kubeconfig);
    await writeKeys(sandbox.info, cluster(), "before", KEYS);
  });

  afterAll(async () => {
    await sandbox?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** What the namespace's workloads look like, its last Events and the worker's log, for a failure's message. */
  const namespaceState = async () => {
    const kubeconfig = sandbox.info.kubeconfig;
    const workloads = await kubectl(kubeconfig, "get", "pods,statefulsets,deployments,pvc", "-n", NS, "-o", "wide");
    const events = await kubectl(kubeconfig, "get", "events", "-n", NS, "--sort-by=.lastTimestamp");
    const worker = await kubectl(kubeconfig, "logs", "-n", NS, `deployment/${RELEASE}-worker`, "--tail=60");
    return [
      `workloads:\n${workloads.stdout}${workloads.stderr}`,
      `events:\n${events.stdout.split("\n").slice(-40).join("\n")}${events.stderr}`,
      `worker log:\n${worker.stdout}${worker.stderr}`,
      `sandbox warnings:\n${sandbox
        .output()
        .split("\n")
        .filter((line) => /warn|error/i.test(line))
        .slice(-20)
        .join("\n")}`,
    ].join("\n");
  };

  it("recovers a member whose claim and Pod were deleted, restarting no healthy Pod", async () => {
    const values = join(dir, "values.yaml");
    await writeFile(
      values,
      JSON.stringify({
        config: { clusters: [{ name: "example", namespace: NS, members: 3, statefulSet: { name: "example" } }] },
      }),
    );
    const install = await runHelm(
      ["--kubeconfig", sandbox.info.kubeconfig, "--namespace", NS, "install", RELEASE, "chart"].concat([
        "--values",
        values,
        "--wait",
        "--timeout",
        "120s",
      ]),
      dir,
      180_000,
    );
    if (install.code !== 0) throw new Error(`helm install failed: ${install.stderr}\n${await namespaceState()}`);
    const { url, token } = await releaseReceiver(kc, RELEASE, NS);
    const receiver = new ResponderClient(url, token);

    const healthy = await podIdentities(kc, NS, ["example-0", "example-2"]);
    await loseMemberData(kc, NS, "example-1", "data-example-1");
    const { id } = await receiver.requestRecovery({ cluster: "example", namespace: NS, member: 2 });
    // Longer than a step's deadline (120 s), so that a stuck wait ends the recovery with a record naming it.
    const record = await receiver.waitUntilFinished(id, 180_000).catch(async (error: Error) => {
      throw new Error(`${error.message}\n${await namespaceState()}`);
    });
    if (record.state !== "succeeded") {
      throw new Error(`the recovery ended ${record.state}: ${JSON.stringify(record)}\n${await namespaceState()}`);
    }
    expect(record.steps.filter((step) => step.outcome === "done").map((step) => step.name)).toEqual(
      expect.arrayContaining(["hold", "add", "start", "promote", "verify", "restore"]),
    );

    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
    expect(await podIdentities(kc, NS, ["example-0", "example-2"])).toEqual(healthy);
    const set = await readStatefulSet(kc, NS, "example");
    expect(set.spec?.updateStrategy?.type ?? "RollingUpdate").toBe("RollingUpdate");
    expect(Object.keys(set.metadata?.annotations ?? {}).filter((k) => k.startsWith("etcd.responder.io/"))).toEqual([]);
  }, 420_000);
});
