import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitForStore, type KubeObject } from "../../src/index.js";
import { startKubectlSandbox, type KubectlSandbox } from "../kubectl/kubectl-sandbox.js";
import { runningAsRoot } from "../node/isolation-harness.js";

/** Three etcd members run by a StatefulSet on claims, named by their Pods' DNS names as most charts do. */
const ETCD_STATEFULSET = `
apiVersion: v1
kind: Service
metadata: { name: etcd }
spec:
  clusterIP: None
  publishNotReadyAddresses: true
  selector: { app: etcd }
  ports: [{ name: client, port: 2379 }, { name: peer, port: 2380 }]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: etcd }
spec:
  serviceName: etcd
  replicas: 3
  podManagementPolicy: Parallel
  selector: { matchLabels: { app: etcd } }
  template:
    metadata: { labels: { app: etcd } }
    spec:
      terminationGracePeriodSeconds: 5
      containers:
        - name: etcd
          image: quay.io/coreos/etcd:v3.4.23
          env:
            - name: POD_NAME
              valueFrom: { fieldRef: { fieldPath: metadata.name } }
          command: [etcd]
          args:
            - --name=$(POD_NAME)
            - --data-dir=/var/run/etcd/data
            - --listen-client-urls=http://0.0.0.0:2379
            - --advertise-client-urls=http://$(POD_NAME).etcd:2379
            - --listen-peer-urls=http://0.0.0.0:2380
            - --initial-advertise-peer-urls=http://$(POD_NAME).etcd:2380
            - --listen-metrics-urls=http://0.0.0.0:2381
            - --initial-cluster=etcd-0=http://etcd-0.etcd:2380,etcd-1=http://etcd-1.etcd:2380,etcd-2=http://etcd-2.etcd:2380
            - --initial-cluster-state=new
            - --initial-cluster-token=sts
          readinessProbe:
            httpGet: { path: /health, port: 2381 }
            periodSeconds: 1
          volumeMounts: [{ name: data, mountPath: /var/run/etcd }]
  volumeClaimTemplates:
    - metadata: { name: data }
      spec:
        accessModes: [ReadWriteOnce]
        resources: { requests: { storage: 1Gi } }
`;

/** The Pod `name` in `default`, once it is Ready and has the uid `notUid` has not. */
function readyPod(k: KubectlSandbox, name: string, notUid?: string): Promise<KubeObject> {
  return waitForStore(
    k.sandbox.store,
    () => {
      const pod: KubeObject | undefined = k.sandbox.store.get("pods", "default", name);
      const conditions = (pod?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions;
      const ready = conditions?.some((c) => c.type === "Ready" && c.status === "True");
      return ready && pod?.metadata.uid !== notUid && !pod?.metadata.deletionTimestamp ? pod : undefined;
    },
    `Pod ${name} to be Ready${notUid ? " again, re-created" : ""}`,
    60_000,
  );
}

// The StatefulSet layout most etcd users run: stable Pod DNS names through the cluster DNS, data on claims.
describe.runIf(runningAsRoot)("a StatefulSet of etcd on PersistentVolumeClaims (needs root, skipped otherwise)", () => {
  let k: KubectlSandbox;
  const etcdctl = async (pod: string, ...args: string[]) => {
    const run = await k.kubectl("exec", pod, "--", "etcdctl", "--endpoints=http://localhost:2379", ...args);
    expect(run.code, `etcdctl ${args.join(" ")} in ${pod}: ${run.stderr}`).toBe(0);
    return run.stdout;
  };

  beforeAll(async () => {
    k = await startKubectlSandbox();
    await k.apply(ETCD_STATEFULSET);
    for (const name of ["etcd-0", "etcd-1", "etcd-2"]) await readyPod(k, name);
  }, 90_000);

  afterAll(async () => {
    await k?.stop();
  });

  it("forms one cluster by the Pods' DNS names, and a member keeps its data across its Pod's deletion", async () => {
    const membersBefore = (await etcdctl("etcd-0", "member", "list")).trim().split("\n").sort();
    expect(membersBefore).toHaveLength(3);
    expect(membersBefore.join("\n")).toContain("http://etcd-2.etcd:2380");
    await etcdctl("etcd-0", "put", "kept", "across-deletion");

    const before = await readyPod(k, "etcd-1");
    const deleted = await k.kubectl("delete", "pod", "etcd-1", "--wait=false");
    expect(deleted.code, deleted.stderr).toBe(0);
    await readyPod(k, "etcd-1", before.metadata.uid);

    // A serializable read answers from etcd-1's own data: the claim came back with the new Pod.
    expect((await etcdctl("etcd-1", "get", "kept", "--consistency=s", "--print-value-only")).trim()).toBe(
      "across-deletion",
    );
    // It rejoined under its old identity: no member was added or replaced.
    expect((await etcdctl("etcd-1", "member", "list")).trim().split("\n").sort()).toEqual(membersBefore);
    const claims = await k.kubectl("get", "pvc", "-o", "name");
    expect(claims.stdout.trim().split("\n").sort()).toEqual([
      "persistentvolumeclaim/data-etcd-0",
      "persistentvolumeclaim/data-etcd-1",
      "persistentvolumeclaim/data-etcd-2",
    ]);
  });
});
