import {
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type ApiHarness } from "./api-harness.js";
import { clientFailure } from "../support.js";

const NS = "default";
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

function deployment(name: string, replicas = 2): V1Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "main", image: "etcd:3.4" }] } },
    },
  };
}

describe("API server with @kubernetes/client-node", () => {
  let harness: ApiHarness;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let coordination: CoordinationV1Api;

  beforeAll(async () => {
    harness = await startHarness();
    const kc = new KubeConfig();
    kc.loadFromFile(harness.kubeconfigPath);
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
    coordination = kc.makeApiClient(CoordinationV1Api);
  });
  afterAll(async () => {
    await harness?.close();
  });

  it("creates, reads, lists, replaces, patches and deletes a Deployment", async () => {
    const created = await apps.createNamespacedDeployment({ namespace: NS, body: deployment("web") });
    expect(created.metadata?.uid).toBeTruthy();
    expect(created.metadata?.namespace).toBe(NS);
    expect(created.spec?.strategy?.type).toBe("RollingUpdate");

    const read = await apps.readNamespacedDeployment({ name: "web", namespace: NS });
    expect(read.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);

    const list = await apps.listNamespacedDeployment({ namespace: NS, labelSelector: "app=web" });
    expect(list.items.map((d) => d.metadata?.name)).toEqual(["web"]);
    expect(Number(list.metadata?.resourceVersion)).toBeGreaterThanOrEqual(Number(created.metadata?.resourceVersion));
    expect((await apps.listNamespacedDeployment({ namespace: NS, labelSelector: "app=other" })).items).toEqual([]);

    read.spec!.replicas = 4;
    const replaced = await apps.replaceNamespacedDeployment({ name: "web", namespace: NS, body: read });
    expect(replaced.spec?.replicas).toBe(4);
    expect(replaced.metadata?.generation).toBe(2);

    const patched = await apps.patchNamespacedDeployment(
      { name: "web", namespace: NS, body: { metadata: { labels: { tier: "front" } } } },
      mergePatch,
    );
    expect(patched.metadata?.labels).toEqual({ app: "web", tier: "front" });

    const all = await apps.listDeploymentForAllNamespaces();
    expect(all.items.map((d) => d.metadata?.name)).toContain("web");

    await apps.deleteNamespacedDeployment({ name: "web", namespace: NS });
    expect((await clientFailure(apps.readNamespacedDeployment({ name: "web", namespace: NS }))).code).toBe(404);
  });

  it("answers 404, 409 AlreadyExists and 409 Conflict as ApiExceptions with Status bodies", async () => {
    const missing = await clientFailure(core.readNamespacedConfigMap({ name: "nope", namespace: NS }));
    expect(missing.code).toBe(404);
    expect(missing.status).toMatchObject({
      kind: "Status",
      reason: "NotFound",
      message: 'configmaps "nope" not found',
    });

    const body = { metadata: { name: "settings" }, data: { a: "1" } };
    const first = await core.createNamespacedConfigMap({ namespace: NS, body });
    const again = await clientFailure(core.createNamespacedConfigMap({ namespace: NS, body }));
    expect(again.code).toBe(409);
    expect(again.status?.reason).toBe("AlreadyExists");

    await core.patchNamespacedConfigMap({ name: "settings", namespace: NS, body: { data: { b: "2" } } }, mergePatch);
    const stale = await clientFailure(
      core.replaceNamespacedConfigMap({ name: "settings", namespace: NS, body: { ...first, data: { a: "stale" } } }),
    );
    expect(stale.code).toBe(409);
    expect(stale.status?.reason).toBe("Conflict");
    expect(String(stale.status?.message)).toContain('Operation cannot be fulfilled on configmaps "settings"');

    const noNamespace = await clientFailure(core.createNamespacedConfigMap({ namespace: "ghost", body }));
    expect(noNamespace.code).toBe(404);
    expect(noNamespace.status?.message).toBe('namespaces "ghost" not found');
  });

  it("refuses invalid objects with 422 and the fields at fault", async () => {
    const bad = deployment("bad");
    bad.spec!.replicas = -1;
    bad.spec!.template.metadata!.labels = { app: "other" };
    bad.spec!.template.spec!.containers = [{ name: "main", image: "" }];
    const refused = await clientFailure(apps.createNamespacedDeployment({ namespace: NS, body: bad }));
    expect(refused.code).toBe(422);
    expect(refused.status?.reason).toBe("Invalid");
    const causes = (refused.status?.details as { causes: { field: string }[] }).causes.map((c) => c.field);
    expect(causes).toEqual([
      "spec.replicas",
      "spec.template.metadata.labels",
      "spec.template.spec.containers[0].image",
    ]);
    expect(String(refused.status?.message)).toMatch(
      /^Deployment\.apps "bad" is invalid: spec\.replicas: Invalid value: -1: must be greater than or equal to 0/,
    );

    const badName = await clientFailure(
      core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: "Not_Valid" } } }),
    );
    expect(badName.code).toBe(422);
    expect((badName.status?.details as { causes: { field: string }[] }).causes[0]?.field).toBe("metadata.name");
  });

  it("serves Services with cluster IPs, refusing one already taken", async () => {
    const svc = await core.createNamespacedService({
      namespace: NS,
      body: { metadata: { name: "db" }, spec: { selector: { app: "db" }, ports: [{ port: 2379 }] } },
    });
    const ip = svc.spec?.clusterIP;
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(svc.spec?.ports?.[0]).toMatchObject({ protocol: "TCP", targetPort: 2379 });

    const clash = await clientFailure(
      core.createNamespacedService({
        namespace: NS,
        body: { metadata: { name: "db2" }, spec: { clusterIP: ip, ports: [{ port: 1 }] } },
      }),
    );
    expect(clash.code).toBe(422);
    expect(String(clash.status?.message)).toContain("provided IP is already allocated");

    const patched = await core.patchNamespacedService(
      { name: "db", namespace: NS, body: { metadata: { annotations: { note: "x" } } } },
      mergePatch,
    );
    expect(patched.spec?.clusterIP).toBe(ip);

    await core.deleteNamespacedService({ name: "db", namespace: NS });
    const reused = await core.createNamespacedService({
      namespace: NS,
      body: { metadata: { name: "db3" }, spec: { clusterIP: ip, ports: [{ port: 1 }] } },
    });
    expect(reused.spec?.clusterIP).toBe(ip);
  });

  it("stores Secrets, turning stringData into base64 data", async () => {
    await core.createNamespacedSecret({
      namespace: NS,
      body: { metadata: { name: "creds" }, stringData: { user: "root" } },
    });
    const secret = await core.readNamespacedSecret({ name: "creds", namespace: NS });
    expect(secret.type).toBe("Opaque");
    expect(secret.data).toEqual({ user: Buffer.from("root").toString("base64") });
    await core.deleteNamespacedSecret({ name: "creds", namespace: NS });
    expect((await core.listNamespacedSecret({ namespace: NS })).items).toEqual([]);
  });

  it("runs the Lease protocol of leader election: create, renew with the read version, 409 when stale", async () => {
    const now = new Date();
    const lease = await coordination.createNamespacedLease({
      namespace: NS,
      body: {
        metadata: { name: "leader" },
        spec: { holderIdentity: "a", leaseDurationSeconds: 15, acquireTime: now, renewTime: now, leaseTransitions: 0 },
      },
    });
    const renewed = await coordination.replaceNamespacedLease({
      name: "leader",
      namespace: NS,
      body: { ...lease, spec: { ...lease.spec, holderIdentity: "b", leaseTransitions: 1, renewTime: new Date() } },
    });
    expect(renewed.spec?.holderIdentity).toBe("b");
    expect(Number(renewed.metadata?.resourceVersion)).toBeGreaterThan(Number(lease.metadata?.resourceVersion));

    const stale = await clientFailure(
      coordination.replaceNamespacedLease({ name: "leader", namespace: NS, body: lease }),
    );
    expect(stale.code).toBe(409);
    expect(String(stale.status?.message)).toContain('leases.coordination.k8s.io "leader"');

    await coordination.deleteNamespacedLease({ name: "leader", namespace: NS });
    expect((await clientFailure(coordination.readNamespacedLease({ name: "leader", namespace: NS }))).code).toBe(404);

    const typed = await clientFailure(
      coordination.createNamespacedLease({
        namespace: NS,
        body: { metadata: { name: "bad" }, spec: { leaseDurationSeconds: 0 } },
      }),
    );
    expect(typed.code).toBe(422);
  });

  it("creates, patches and selects Events by involvedObject", async () => {
    const pod = harness.store.create("pods", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "etcd-0", namespace: NS },
      spec: { containers: [{ name: "etcd", image: "etcd" }] },
    });
    const when = new Date();
    await core.createNamespacedEvent({
      namespace: NS,
      body: {
        metadata: { name: "etcd-0.17f3" },
        involvedObject: { kind: "Pod", namespace: NS, name: "etcd-0", uid: pod.metadata.uid },
        reason: "BackOff",
        message: "Back-off restarting failed container",
        type: "Warning",
        source: { component: "kubelet" },
        firstTimestamp: when,
        lastTimestamp: when,
        count: 1,
      },
    });
    await core.createNamespacedEvent({
      namespace: NS,
      body: {
        metadata: { name: "other.1" },
        involvedObject: { kind: "Pod", namespace: NS, name: "other" },
        reason: "Pulled",
      },
    });
    await core.patchNamespacedEvent({ name: "etcd-0.17f3", namespace: NS, body: { count: 2 } }, mergePatch);

    const selector = `involvedObject.name=etcd-0,involvedObject.namespace=${NS},involvedObject.uid=${pod.metadata.uid}`;
    const events = await core.listNamespacedEvent({ namespace: NS, fieldSelector: selector });
    expect(events.items.map((e) => [e.metadata.name, e.count])).toEqual([["etcd-0.17f3", 2]]);

    await core.deleteNamespacedEvent({ name: "other.1", namespace: NS });
    expect((await core.listNamespacedEvent({ namespace: NS })).items.map((e) => e.metadata.name)).toEqual([
      "etcd-0.17f3",
    ]);

    const unsupported = await clientFailure(core.listNamespacedEvent({ namespace: NS, fieldSelector: "spec.nope=1" }));
    expect(unsupported.code).toBe(400);
  });

  it("reads and patches the scale subresource of a Deployment", async () => {
    await apps.createNamespacedDeployment({ namespace: NS, body: deployment("scaled", 3) });
    const scale = await apps.readNamespacedDeploymentScale({ name: "scaled", namespace: NS });
    expect(scale).toMatchObject({
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      spec: { replicas: 3 },
      status: { replicas: 0, selector: "app=scaled" },
    });

    const patched = await apps.patchNamespacedDeploymentScale(
      { name: "scaled", namespace: NS, body: { spec: { replicas: 0 } } },
      mergePatch,
    );
    expect(patched.spec?.replicas).toBe(0);
    expect((await apps.readNamespacedDeployment({ name: "scaled", namespace: NS })).spec?.replicas).toBe(0);

    const stale = await clientFailure(
      apps.replaceNamespacedDeploymentScale({
        name: "scaled",
        namespace: NS,
        body: { ...scale, spec: { replicas: 5 } },
      }),
    );
    expect(stale.code).toBe(409);
  });

  it("changes only .status through the status subresource", async () => {
    await apps.createNamespacedDeployment({ namespace: NS, body: deployment("stat") });
    const patched = await apps.patchNamespacedDeploymentStatus(
      { name: "stat", namespace: NS, body: { status: { readyReplicas: 2 }, spec: { replicas: 9 } } },
      mergePatch,
    );
    expect(patched.status?.readyReplicas).toBe(2);
    expect(patched.spec?.replicas).toBe(2);

    // The object itself keeps its status when a client replaces it.
    const replaced = await apps.replaceNamespacedDeployment({
      name: "stat",
      namespace: NS,
      body: { ...patched, status: { readyReplicas: 0 } },
    });
    expect(replaced.status?.readyReplicas).toBe(2);
  });
});
