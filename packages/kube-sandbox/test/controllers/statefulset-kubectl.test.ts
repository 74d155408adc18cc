import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, waitForStore, type KubeObject, type Sandbox } from "../../src/index.js";
import { kubectl } from "../support.js";

const WAIT_MS = 30_000;

/**
 * A headless Service and a StatefulSet whose busybox Pods append their name to their claim's `log`
 * file, print the file and sleep.
 */
const manifest = (name: string, extra: { replicas?: number; spec?: string } = {}) => `
apiVersion: v1
kind: Service
metadata: { name: ${name} }
spec: { clusterIP: None, selector: { app: ${name} }, ports: [{ port: 80 }] }
---
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: ${name} }
spec:
  serviceName: ${name}
  replicas: ${extra.replicas ?? 2}
  selector: { matchLabels: { app: ${name} } }
  ${extra.spec ?? ""}
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      terminationGracePeriodSeconds: 2
      containers:
        - name: main
          image: busybox
          command: [sh, -c, 'echo $(POD_NAME) >> /data/log; cat /data/log; exec sleep 3600']
          env: [{ name: POD_NAME, valueFrom: { fieldRef: { fieldPath: metadata.name } } }]
          readinessProbe: { exec: { command: ["true"] }, periodSeconds: 1 }
          volumeMounts: [{ name: data, mountPath: /data }]
  volumeClaimTemplates:
    - metadata: { name: data }
      spec: { accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Gi } } }
`;

describe("StatefulSets driven by kubectl", () => {
  let dir: string;
  let sandbox: Sandbox;
  const run = async (...args: string[]) => {
    const result = await kubectl(sandbox.kubeconfig, ...args);
    expect(result.code, `kubectl ${args.join(" ")}: ${result.stderr}`).toBe(0);
    return result.stdout;
  };
  const apply = async (name: string, text: string) => {
    const file = join(dir, `${name}.yaml`);
    await writeFile(file, text);
    await run("apply", "-f", file);
  };
  const claimNames = () => sandbox.store.list("persistentvolumeclaims", "default").map((c) => c.metadata.name);
  const podGone = (name: string, uid: string | undefined) =>
    waitForStore(
      sandbox.store,
      () => (sandbox.store.get("pods", "default", name)?.metadata.uid === uid ? undefined : true),
      `Pod ${name} (${uid}) to be gone`,
      WAIT_MS,
    );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kube-sandbox-sts-"));
    sandbox = await startSandbox({ dir });
  });

  afterAll(async () => {
    await sandbox?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("runs Pods NAME-ORDINAL in order, re-creates a deleted one with its claim and data, and scales", async () => {
    const created: string[] = [];
    const stopWatching = sandbox.store.subscribe((event) => {
      if (event.resource === "pods" && event.type === "ADDED") created.push(event.object.metadata.name);
    });
    try {
      await apply("web", manifest("web"));
      await run("rollout", "status", "sts/web", "--timeout=30s");
      expect(created).toEqual(["web-0", "web-1"]);
    } finally {
      stopWatching();
    }
    expect(await run("get", "sts", "web")).toMatch(/^web\s+2\/2\s+\S+\s*$/m);
    expect(
      await run("get", "pods", "-o", "custom-columns=NAME:.metadata.name,HOST:.spec.hostname,SUB:.spec.subdomain"),
    ).toMatch(/^web-0\s+web-0\s+web\s*\nweb-1\s+web-1\s+web\s*$/m);
    expect(await run("get", "pvc")).toMatch(/^data-web-0\s+Bound\s[\s\S]*^data-web-1\s+Bound\s/m);
    expect(await run("get", "controllerrevisions")).toMatch(/^web-\S+\s+statefulset\.apps\/web\s+1\s/m);

    const old = sandbox.store.get("pods", "default", "web-1");
    await run("delete", "pod", "web-1", "--wait=false");
    await podGone("web-1", old?.metadata.uid);
    await run("rollout", "status", "sts/web", "--timeout=30s");
    expect((await run("logs", "web-1")).trim().split("\n")).toEqual(["web-1", "web-1"]);

    await run("scale", "sts", "web", "--replicas=3");
    await run("rollout", "status", "sts/web", "--timeout=30s");
    expect(await run("get", "sts", "web")).toMatch(/^web\s+3\/3\s/m);
    await run("scale", "sts", "web", "--replicas=1");
    await waitForStore(
      sandbox.store,
      () => (sandbox.store.list("pods", "default").length === 1 ? true : undefined),
      "web-2 and web-1 to be gone",
      WAIT_MS,
    );
    await run("rollout", "status", "sts/web", "--timeout=30s");
    expect(sandbox.store.get("statefulsets.apps", "default", "web")?.status).toMatchObject({
      replicas: 1,
      readyReplicas: 1,
    });
    // Retain, the default: the claims outlive the Pods.
    expect(claimNames()).toEqual(["data-web-0", "data-web-1", "data-web-2"]);
  });

  it("rolls from the highest ordinal down to the partition, as kubectl rollout status reports", async () => {
    await apply("roll", manifest("roll", { replicas: 3, spec: "updateStrategy: { rollingUpdate: { partition: 1 } }" }));
    await run("rollout", "status", "sts/roll", "--timeout=30s");
    const first = sandbox.store.get("statefulsets.apps", "default", "roll")?.status as { updateRevision: string };
    const deleted: string[] = [];
    const stopWatching = sandbox.store.subscribe((event) => {
      if (event.resource === "pods" && event.type === "DELETED") deleted.push(event.object.metadata.name);
    });
    try {
      await run("set", "env", "sts/roll", "GREETING=hello");
      const status = await run("rollout", "status", "sts/roll", "--timeout=30s");
      expect(status).toMatch(/partitioned roll out complete: 2 new pods have been updated/);
      expect(deleted).toEqual(["roll-2", "roll-1"]);
    } finally {
      stopWatching();
    }
    const revisions = await run("get", "pods", "-l", "app=roll", "-L", "controller-revision-hash", "--no-headers");
    const byPod = revisions
      .trim()
      .split("\n")
      .map((line) => line.split(/\s+/));
    expect(byPod.map((cells) => cells[0])).toEqual(["roll-0", "roll-1", "roll-2"]);
    expect(byPod[0]?.at(-1)).toBe(first.updateRevision);
    expect(byPod[1]?.at(-1)).not.toBe(first.updateRevision);
    expect(byPod[2]?.at(-1)).toBe(byPod[1]?.at(-1));
  });

  it("changes only deleted Pods under OnDelete, and rollout undo reuses the first revision", async () => {
    await apply("od", manifest("od", { spec: "updateStrategy: { type: OnDelete }" }));
    await waitForStore(
      sandbox.store,
      () =>
        (sandbox.store.get("statefulsets.apps", "default", "od")?.status as { readyReplicas?: number })
          ?.readyReplicas === 2
          ? true
          : undefined,
      "both Pods of od to be ready",
      WAIT_MS,
    );
    const revisionOf = (pod: string) =>
      sandbox.store.get("pods", "default", pod)?.metadata.labels?.["controller-revision-hash"];
    const first = revisionOf("od-0");
    const uids = ["od-0", "od-1"].map((pod) => sandbox.store.get("pods", "default", pod)?.metadata.uid);
    await run("set", "env", "sts/od", "GREETING=hello");
    const update = await waitForStore(
      sandbox.store,
      () => {
        const status = sandbox.store.get("statefulsets.apps", "default", "od")?.status as { updateRevision?: string };
        return status.updateRevision !== first ? status.updateRevision : undefined;
      },
      "a second revision of od",
      WAIT_MS,
    );
    await run("delete", "pod", "od-1", "--wait=false");
    await podGone("od-1", uids[1]);
    await waitForStore(
      sandbox.store,
      () => (revisionOf("od-1") === update ? true : undefined),
      "od-1 back on the update revision",
      WAIT_MS,
    );
    expect(sandbox.store.get("pods", "default", "od-0")?.metadata.uid).toBe(uids[0]);
    expect(revisionOf("od-0")).toBe(first);
    expect(await run("rollout", "history", "sts/od")).toMatch(/^1\s[\s\S]*^2\s/m);

    // Back to the first template: its revision is reused, with the next number.
    await run("rollout", "undo", "sts/od");
    await waitForStore(
      sandbox.store,
      () => {
        const status = sandbox.store.get("statefulsets.apps", "default", "od")?.status as { updateRevision?: string };
        return status.updateRevision === first ? true : undefined;
      },
      "od's update revision to be the first one again",
      WAIT_MS,
    );
    const revisions = await run("get", "controllerrevisions", "-l", "app=od", "--no-headers");
    expect(revisions).toMatch(new RegExp(`^${first}\\s+statefulset\\.apps/od\\s+3\\s`, "m"));
    expect(revisions.trim().split("\n")).toHaveLength(2);
    expect(sandbox.store.get("pods", "default", "od-0")?.metadata.uid).toBe(uids[0]);
  });

  it("stalls a rollout that would fix a Pod that is not ready until it is deleted (kubernetes#67250)", async () => {
    await apply("fix", manifest("fix"));
    await run("rollout", "status", "sts/fix", "--timeout=30s");
    const statusOf = () =>
      sandbox.store.get("statefulsets.apps", "default", "fix") as KubeObject & {
        metadata: { generation?: number };
        status: { observedGeneration?: number; updateRevision?: string; currentRevision?: string };
      };
    const revisionOf = (pod: string) =>
      sandbox.store.get("pods", "default", pod)?.metadata.labels?.["controller-revision-hash"];
    const healthy = statusOf().status.updateRevision;
    const probe = (command: string) =>
      JSON.stringify([
        { op: "replace", path: "/spec/template/spec/containers/0/readinessProbe/exec/command/0", value: command },
      ]);
    // A broken template: fix-1 is replaced by a Pod that never becomes ready.
    await run("patch", "sts", "fix", "--type=json", "-p", probe("false"));
    const broken = await waitForStore(
      sandbox.store,
      () => {
        const pod = sandbox.store.get("pods", "default", "fix-1");
        const revision = statusOf().status.updateRevision;
        const running = (pod?.status as { phase?: string } | undefined)?.phase === "Running";
        return revision !== healthy && revisionOf("fix-1") === revision && running ? revision : undefined;
      },
      "fix-1 running the broken template",
      WAIT_MS,
    );
    // Back to the healthy template: the StatefulSet waits for fix-1 to be ready, and it never will.
    await run("patch", "sts", "fix", "--type=json", "-p", probe("true"));
    await waitForStore(
      sandbox.store,
      () => {
        const set = statusOf();
        return set.status.observedGeneration === set.metadata.generation && set.status.updateRevision === healthy
          ? true
          : undefined;
      },
      "fix's update revision to be the healthy one again",
      WAIT_MS,
    );
    expect(revisionOf("fix-1")).toBe(broken);
    expect(sandbox.store.get("pods", "default", "fix-1")?.metadata.deletionTimestamp).toBeUndefined();
    // Deleting the broken Pod by hand lets the rollout finish.
    await run("delete", "pod", "fix-1", "--wait=false");
    await run("rollout", "status", "sts/fix", "--timeout=30s");
    expect(revisionOf("fix-1")).toBe(healthy);
    expect(statusOf().status.currentRevision).toBe(healthy);
  });

  it("deletes the claims of scaled-down Pods under whenScaled: Delete, the rest with the StatefulSet", async () => {
    const policy = "persistentVolumeClaimRetentionPolicy: { whenScaled: Delete, whenDeleted: Delete }";
    await apply("gone", manifest("gone", { spec: policy }));
    await run("rollout", "status", "sts/gone", "--timeout=30s");
    const claimGone = (name: string) =>
      waitForStore(
        sandbox.store,
        () => (sandbox.store.get("persistentvolumeclaims", "default", name) ? undefined : true),
        `claim ${name} to be deleted`,
        WAIT_MS,
      );
    await run("scale", "sts", "gone", "--replicas=1");
    await claimGone("data-gone-1");
    expect(claimNames().filter((name) => name.startsWith("data-gone-"))).toEqual(["data-gone-0"]);
    const set = sandbox.store.get("statefulsets.apps", "default", "gone") as KubeObject;
    const owners = sandbox.store.get("persistentvolumeclaims", "default", "data-gone-0")?.metadata.ownerReferences;
    expect(owners).toEqual([expect.objectContaining({ kind: "StatefulSet", uid: set.metadata.uid, controller: true })]);
    await run("delete", "sts", "gone", "--wait=false");
    await claimGone("data-gone-0");
  });
});
