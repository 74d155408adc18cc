import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { startSandboxProcess, type SandboxProcess } from "../support/sandbox-process.js";
import { startEtcdSandbox, type SandboxStatefulSetMember } from "../support/etcd-sandbox.js";
import { StatefulSetNeedsIsolationError } from "../support/sandbox-statefulset.js";
import {
  clusterShape,
  expectHealthyCluster,
  keysOnEveryMember,
  withCluster,
  withMember,
} from "../support/etcd-cluster-checks.js";
import { isReady, kubeConfigFrom, waitForPods } from "../support/pod-watch.js";
import { waitUntil } from "../support/etcd-retry.js";
import { kubectl } from "../support/kubectl.js";
import { loadConfig } from "../../src/core/config/load.js";
import { silentLogger } from "kube-sandbox";

const POD_NAMES = ["example-0", "example-1", "example-2"];
const PEER_URLS = POD_NAMES.map((pod) => `http://${pod}.example-headless.default.svc:2380`);

/** The value of `key` as the member at `clientURL` serves it from its own data, or undefined. */
function localValue(sandbox: SandboxProcess, clientURL: string, key: string): Promise<string | null> {
  return withMember(sandbox.info, clientURL, (client) => client.get(key).serializable(true).string());
}

describe("sandbox --workload statefulset", () => {
  let sandbox: SandboxProcess;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let members: SandboxStatefulSetMember[];

  beforeAll(async () => {
    sandbox = await startSandboxProcess({ workload: "statefulset", members: 3, readyTimeoutMs: 90_000 });
    kc = kubeConfigFrom(sandbox.info.kubeconfig);
    core = kc.makeApiClient(CoreV1Api);
    members = sandbox.info.clusters[0]!.members.filter((m) => m.workload === "statefulset");
  }, 120_000);

  afterAll(async () => {
    await sandbox?.stop();
  });

  it("runs the example StatefulSet on isolated Pods and describes each member's Pod and claim", async () => {
    expect(sandbox.info.isolation).toBe("namespaces");
    const [cluster] = sandbox.info.clusters;
    expect(cluster).toMatchObject({
      name: "example",
      namespace: "default",
      statefulSet: { name: "example", serviceName: "example-headless", volumeClaimTemplate: "data" },
    });
    expect(members).toHaveLength(3);
    expect(members.map((m) => [m.index, m.pod, m.pvc, m.peerURL])).toEqual([
      [1, "example-0", "data-example-0", PEER_URLS[0]],
      [2, "example-1", "data-example-1", PEER_URLS[1]],
      [3, "example-2", "data-example-2", PEER_URLS[2]],
    ]);
    for (const m of members) {
      expect(m).not.toHaveProperty("deployment");
      expect(m.clientURL).toMatch(/^http:\/\/\d+\.\d+\.\d+\.\d+:2379$/);
    }
    const ready = await waitForPods(
      kc,
      "default",
      "app.kubernetes.io/instance=example",
      (pods) => {
        const names = pods.filter(isReady).map((p) => p.metadata!.name!);
        return names.length === 3 ? names.sort() : undefined;
      },
      "3 Ready member Pods",
    );
    expect(ready).toEqual(POD_NAMES);
    for (const m of members) {
      const claim = await core.readNamespacedPersistentVolumeClaim({ name: m.pvc, namespace: "default" });
      expect(claim.status?.phase).toBe("Bound");
    }
  });

  it("forms one etcd cluster of 3 voters named after the Pods, at their DNS peer URLs", async () => {
    const shape = await clusterShape(sandbox.info, sandbox.info.clusters[0]!);
    expect(shape.names).toEqual(POD_NAMES);
    expect(shape.peerURLs).toEqual(PEER_URLS);
    expect(shape.learners).toBe(0);
  });

  it("serves a key written through one member from every member's own data", async () => {
    await withMember(sandbox.info, members[0]!.clientURL, async (client) => {
      await client.put("sts/written").value("on-0");
    });
    for (const m of members) {
      await waitUntil(
        async () => (await localValue(sandbox, m.clientURL, "sts/written")) === "on-0",
        `the key on ${m.pod}`,
        10_000,
      );
    }
  });

  it("writes responder.yaml naming the StatefulSet and client URLs only, read back as these members", async () => {
    const path = join(sandbox.dir, "responder.yaml");
    const file = parse(await readFile(path, "utf8")) as { clusters: Record<string, unknown>[] };
    expect(file.clusters).toHaveLength(1);
    expect(file.clusters[0]).toMatchObject({
      name: "example",
      namespace: "default",
      members: 3,
      statefulSet: { name: "example", serviceName: "example-headless", volumeClaimTemplate: "data" },
      memberURLs: Object.fromEntries(members.map((m) => [String(m.index), { clientURL: m.clientURL }])),
    });
    // The peer URLs are the responder's defaults for a StatefulSet, and match the etcd member list.
    const config = await loadConfig(path);
    const resolved = config.catalog.clusters[0]!.members.map((m) => [
      m.index,
      m.name,
      m.workload.kind === "StatefulSet" ? [m.workload.pod, m.workload.claim] : m.workload.kind,
      m.clientURL,
      m.peerURL,
    ]);
    expect(resolved).toEqual(members.map((m) => [m.index, m.pod, [m.pod, m.pvc], m.clientURL, m.peerURL]));
  });

  it("passes the healthy-cluster check recovery tests end with", async () => {
    await withCluster(sandbox.info, sandbox.info.clusters[0]!, async (client) => {
      for (let i = 0; i < 5; i++) await client.put(`healthy/${i}`).value(String(i));
    });
    // Followers apply the writes a moment after the leader; the check reads each member's own data.
    await waitUntil(
      async () =>
        Object.values(await keysOnEveryMember(sandbox.info, sandbox.info.clusters[0]!, "healthy")).every(
          (n) => n === 5,
        ),
      "the keys on every member",
      10_000,
    );
    await expectHealthyCluster(sandbox, sandbox.info.clusters[0]!, "healthy", 5);
  });

  it("brings a deleted member Pod back on the same claim, with its data", async () => {
    const member = members[1]!;
    await withMember(sandbox.info, members[0]!.clientURL, async (client) => {
      await client.put("sts/kept").value("before");
    });
    await waitUntil(
      async () => (await localValue(sandbox, member.clientURL, "sts/kept")) === "before",
      `the key on ${member.pod}`,
      10_000,
    );
    const ids = (await clusterShape(sandbox.info, sandbox.info.clusters[0]!)).ids;
    const claimBefore = await core.readNamespacedPersistentVolumeClaim({ name: member.pvc, namespace: "default" });
    const podBefore = await core.readNamespacedPod({ name: member.pod, namespace: "default" });

    await core.deleteNamespacedPod({ name: member.pod, namespace: "default" });
    await waitForPods(
      kc,
      "default",
      `statefulset.kubernetes.io/pod-name=${member.pod}`,
      (pods) => pods.find((p) => p.metadata!.uid !== podBefore.metadata!.uid && isReady(p)),
      `a new Ready Pod ${member.pod}`,
      60_000,
    );

    const claimAfter = await core.readNamespacedPersistentVolumeClaim({ name: member.pvc, namespace: "default" });
    expect([claimAfter.metadata!.uid, claimAfter.spec!.volumeName]).toEqual([
      claimBefore.metadata!.uid,
      claimBefore.spec!.volumeName,
    ]);
    // The same member, from its own data: same ID, and the key served without asking the leader.
    expect(await localValue(sandbox, member.clientURL, "sts/kept")).toBe("before");
    expect((await clusterShape(sandbox.info, sandbox.info.clusters[0]!)).ids).toEqual(ids);
  });
});

describe("sandbox --workload statefulset --tls", () => {
  let sandbox: SandboxProcess;

  beforeAll(async () => {
    sandbox = await startSandboxProcess({ workload: "statefulset", members: 3, tls: true, readyTimeoutMs: 90_000 });
  }, 120_000);

  afterAll(async () => {
    await sandbox?.stop();
  });

  it("serves clients over TLS at the fixed addresses from the host, and at the Pod's DNS name inside it", async () => {
    const [cluster] = sandbox.info.clusters;
    expect(cluster!.members.map((m) => new URL(m.clientURL).protocol)).toEqual(["https:", "https:", "https:"]);
    const shape = await clusterShape(sandbox.info, cluster!);
    expect([shape.names, shape.peerURLs]).toEqual([POD_NAMES, PEER_URLS]);
    const health = await kubectl(sandbox.info.kubeconfig, "exec", "example-1", "--", "etcdctl", "endpoint", "health");
    expect(health.code, health.stderr).toBe(0);
    // etcdctl 3.4 reports each endpoint's health on stderr.
    expect(`${health.stdout}${health.stderr}`).toContain(
      "https://example-1.example-headless.default.svc:2379 is healthy",
    );
  });
});

describe("sandbox --workload statefulset on loopback", () => {
  it("refuses with one line saying why, from the command line", async () => {
    const error = await startSandboxProcess({ workload: "statefulset", isolation: "loopback" }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/^sandbox exited with 1 before it was ready:\n/);
    const output = error!.message.slice(error!.message.indexOf("\n") + 1);
    expect(output.trimEnd().split("\n")).toEqual([
      "sandbox: the statefulset workload needs isolated Pods (--isolation namespaces, as root): its members reach " +
        "each other by Pod DNS names, which resolve only inside isolated Pods, and here Pods run on loopback addresses",
    ]);
  });

  it("refuses before starting anything, as a library", async () => {
    await expect(
      startEtcdSandbox({
        dir: "never-created",
        workload: "statefulset",
        isolation: "loopback",
        logger: silentLogger,
      }),
    ).rejects.toBeInstanceOf(StatefulSetNeedsIsolationError);
  });
});

describe("sandbox --statefulset-name and --cluster-domain", () => {
  it.each([
    [{ statefulSetName: "milvus-etcd" }, "--statefulset-name and --cluster-domain need --workload statefulset"],
    [
      { workload: "statefulset" as const, statefulSetName: "Milvus" },
      '--statefulset-name must be a DNS-1035 label of at most 32 characters, got "Milvus"',
    ],
    [
      { workload: "statefulset" as const, clusterDomain: "cluster..local" },
      '--cluster-domain must be a DNS name such as cluster.local, got "cluster..local"',
    ],
  ])("refuses %j with a usage error", async (options, line) => {
    await expect(startSandboxProcess({ members: 1, ...options })).rejects.toThrow(
      new RegExp(`^sandbox exited with 2 before it was ready:\\n.*${line.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`, "s"),
    );
  });
});
