import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppsV1Api, type KubeConfig, type V1StatefulSet, Watch } from "@kubernetes/client-node";
import { startSandboxProcess, type SandboxProcess } from "../../support/sandbox-process.js";
import { kubeConfigFrom } from "../../support/pod-watch.js";
import { clusterShape, expectHealthyCluster, writeKeys } from "../../support/etcd-cluster-checks.js";
import { runRecover } from "../../support/recover-cli.js";
import { loseMemberData, podIdentities, readStatefulSet } from "../../support/statefulset-member.js";

const KEYS = 20;

/**
 * What the bitnami image's start scripts do with an emptied data dir in an existing cluster, reduced to its core:
 * with state `existing` and no write-ahead log, `etcdctl member add` (a voting member), then start etcd with the
 * settings it printed; otherwise start etcd as it is. (A member that stopped on "already bootstrapped" leaves an
 * empty `member` folder behind, so the log's folder is what tells.)
 */
const JOINS_BY_ITSELF = [
  'if [ ! -d "$ETCD_DATA_DIR/member/wal" ] && [ "$ETCD_INITIAL_CLUSTER_STATE" = existing ]; then',
  '  echo "Adding new member to existing cluster"',
  '  added=$(etcdctl member add "$ETCD_NAME" --peer-urls="$ETCD_INITIAL_ADVERTISE_PEER_URLS") || exit 1',
  "  eval \"$(printf '%s\\n' \"$added\" | sed -n 's/^\\(ETCD_[A-Z_]*\\)=/export \\1=/p')\"",
  "fi",
  "exec etcd",
].join("\n");

/** Watches the StatefulSet until every Pod of it runs its current template and is Ready. */
async function waitForRollout(kc: KubeConfig, name: string): Promise<void> {
  const rolledOut = (set: V1StatefulSet) => {
    const status = set.status;
    return (
      (status?.observedGeneration ?? 0) >= (set.metadata?.generation ?? 1) &&
      status?.currentRevision === status?.updateRevision &&
      status?.updatedReplicas === set.spec?.replicas &&
      status?.readyReplicas === set.spec?.replicas
    );
  };
  const list = await kc.makeApiClient(AppsV1Api).listNamespacedStatefulSet({
    namespace: "default",
    fieldSelector: `metadata.name=${name}`,
  });
  let last = list.items[0];
  if (last && rolledOut(last)) return;
  let controller: AbortController | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`StatefulSet ${name} did not finish rolling out: ${JSON.stringify(last?.status)}`)),
        90_000,
      );
      void new Watch(kc)
        .watch(
          "/apis/apps/v1/namespaces/default/statefulsets",
          { fieldSelector: `metadata.name=${name}`, resourceVersion: list.metadata?.resourceVersion },
          (_type: string, set: V1StatefulSet) => {
            last = set;
            if (rolledOut(set)) {
              clearTimeout(timer);
              resolve();
            }
          },
          () => undefined,
        )
        .then((started) => (controller = started), reject);
    });
  } finally {
    controller?.abort();
  }
}

describe("recover: a StatefulSet whose start scripts add an emptied member themselves (bitnami's way)", () => {
  let sandbox: SandboxProcess;
  let kc: KubeConfig;
  let config: string;
  const cluster = () => sandbox.info.clusters[0]!;

  beforeAll(async () => {
    sandbox = await startSandboxProcess({ workload: "statefulset", members: 3 });
    kc = kubeConfigFrom(sandbox.info.kubeconfig);
    await writeKeys(sandbox.info, cluster(), "before", KEYS);
    const endpoints = cluster()
      .members.map((m) => m.peerURL.replace(/:2380$/, ":2379"))
      .join(",");
    const apps = kc.makeApiClient(AppsV1Api);
    const set = await apps.readNamespacedStatefulSet({ namespace: "default", name: "example" });
    const container = set.spec!.template.spec!.containers[0]!;
    container.command = ["sh", "-c", JOINS_BY_ITSELF];
    container.env = [...(container.env ?? []), { name: "ETCDCTL_ENDPOINTS", value: endpoints }];
    await apps.replaceNamespacedStatefulSet({ namespace: "default", name: "example", body: set });
    await waitForRollout(kc, "example");
    const text = await readFile(join(sandbox.dir, "responder.yaml"), "utf8");
    config = join(sandbox.dir, "joins-by-itself.yaml");
    await writeFile(config, text.replace(/^( +)statefulSet:\n/m, "$1statefulSet:\n$1  joinsByItself: true\n"));
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it("removes the stale member and replaces the Pod; its scripts add it back; nothing else restarts", async () => {
    expect(await readFile(config, "utf8")).toContain("joinsByItself: true");
    const healthy = await podIdentities(kc, "default", ["example-0", "example-1"]);
    const idsBefore = (await clusterShape(sandbox.info, cluster())).ids;
    await loseMemberData(kc, "default", "example-2", "data-example-2");

    const run = await runRecover(sandbox, "example", 3, { config });
    expect(run.code, `${run.stdout}\n${run.stderr.slice(-3000)}`).toBe(0);
    expect(run.stdout).toMatch(/\[add\] skipped: example-2's own start scripts add it back/);
    expect(run.stdout).toMatch(/\[promote\] skipped/);
    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
    const idsAfter = (await clusterShape(sandbox.info, cluster())).ids;
    // Only the recovered member has a new ID, and no learner stage was needed to get it.
    expect(idsAfter["example-2"]).not.toBe(idsBefore["example-2"]);
    expect([idsAfter["example-0"], idsAfter["example-1"]]).toEqual([idsBefore["example-0"], idsBefore["example-1"]]);
    const set = await readStatefulSet(kc, "default", "example");
    const env = set.spec?.template?.spec?.containers?.[0]?.env ?? [];
    expect(env.find((e) => e.name === "ETCD_INITIAL_CLUSTER_STATE")?.value).toBe("new");
    expect(await podIdentities(kc, "default", ["example-0", "example-1"])).toEqual(healthy);
  });
});
