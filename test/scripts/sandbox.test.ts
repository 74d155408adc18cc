import { Resolver } from "node:dns/promises";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Etcd3 } from "etcd3";
import { ApiException, AppsV1Api, CoreV1Api, KubeConfig, Watch, type V1Pod } from "@kubernetes/client-node";
import { startSandboxProcess, type SandboxProcess } from "../support/sandbox-process.js";
import { kubectl, parseTable } from "../support/kubectl.js";
import { loadConfig } from "../../src/core/config/load.js";

/** Waits for a watch event matching `match`, failing after `timeoutMs` with `what`. */
function nextEvent<T>(
  events: { type: string; object: T }[],
  subscribe: (listener: () => void) => () => void,
  match: (e: { type: string; object: T }) => boolean,
  what: string,
  timeoutMs: number,
): Promise<{ type: string; object: T }> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const found = events.find(match);
      if (found) {
        clearTimeout(timer);
        unsubscribe();
        resolve(found);
      }
    };
    const timer = setTimeout(() => {
      unsubscribe();
      reject(
        new Error(`timed out after ${timeoutMs} ms waiting for ${what}; saw ${events.map((e) => e.type).join(",")}`),
      );
    }, timeoutMs);
    const unsubscribe = subscribe(check);
    check();
  });
}

function restartCount(pod: V1Pod): number {
  return pod.status?.containerStatuses?.[0]?.restartCount ?? 0;
}

function waitingReason(pod: V1Pod): string | undefined {
  return pod.status?.containerStatuses?.[0]?.state?.waiting?.reason;
}

describe("sandbox with the 5-member example cluster", () => {
  let sandbox: SandboxProcess;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let etcd: Etcd3;
  const run = (...args: string[]) => kubectl(sandbox.info.kubeconfig, ...args);

  beforeAll(async () => {
    // A crash-looping Pod runs again after each back-off; a long one keeps it in CrashLoopBackOff while
    // kubectl and the metrics look at it.
    sandbox = await startSandboxProcess({ backoffMs: 3000 });
    kc = new KubeConfig();
    kc.loadFromFile(sandbox.info.kubeconfig);
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
    etcd = new Etcd3({ hosts: sandbox.info.clusters[0]!.members.map((m) => m.clientURL) });
  });

  afterAll(async () => {
    etcd?.close();
    await sandbox?.stop();
  });

  it("describes itself in sandbox.json and runs 5 real etcd members", async () => {
    const [cluster] = sandbox.info.clusters;
    expect(sandbox.info.apiServer).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(sandbox.info.tls).toBeNull();
    expect(cluster).toMatchObject({ name: "example", namespace: "default" });
    const deploymentMembers = cluster!.members.filter((m) => m.workload === "deployment");
    expect(deploymentMembers).toHaveLength(5);
    expect(deploymentMembers.map((m) => [m.index, m.deployment, m.service])).toEqual([
      [1, "example-1", "example1"],
      [2, "example-2", "example2"],
      [3, "example-3", "example3"],
      [4, "example-4", "example4"],
      [5, "example-5", "example5"],
    ]);
    const { members } = await etcd.cluster.memberList({});
    expect(members.map((m) => m.name).sort()).toEqual(["example1", "example2", "example3", "example4", "example5"]);
    expect(members.map((m) => m.peerURLs[0]).sort()).toEqual(cluster!.members.map((m) => m.peerURL).sort());
    // It writes a responder configuration for itself that the responder accepts as it is.
    const config = await loadConfig(join(sandbox.dir, "responder.yaml"));
    expect(config.catalog.clusters).toHaveLength(1);
    expect(config.catalog.clusters[0]!.members.map((m) => [m.workload.name, m.clientURL, m.peerURL])).toEqual(
      deploymentMembers.map((m) => [m.deployment, m.clientURL, m.peerURL]),
    );
    // Member addresses come from a block of the sandbox's own, never 127.0.0.1's default ports.
    for (const m of cluster!.members) expect(new URL(m.clientURL).hostname).not.toBe("127.0.0.1");
    // The cluster DNS it names answers each member's Service name with the address the member serves on.
    const resolver = new Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([sandbox.info.dnsServer]);
    for (const m of cluster!.members) {
      expect(await resolver.resolve4(`${m.service}.default.svc.cluster.local`)).toEqual([
        new URL(m.clientURL).hostname,
      ]);
    }
  });

  it("answers kubectl as a cluster does: get, -o json, exec", async () => {
    const pods = await run("get", "pods");
    expect(pods.code).toBe(0);
    const rows = parseTable(pods.stdout);
    expect(rows).toHaveLength(5);
    for (const row of rows) expect(row).toMatchObject({ READY: "1/1", STATUS: "Running", RESTARTS: "0" });
    expect(rows.map((r) => r.NAME)).toEqual(
      rows.map(() => expect.stringMatching(/^example-\d-[a-z0-9]{8,10}-[a-z0-9]{5}$/) as string),
    );

    const deployments = parseTable((await run("get", "deployments")).stdout);
    expect(deployments.map((d) => [d.NAME, d.READY])).toEqual([1, 2, 3, 4, 5].map((i) => [`example-${i}`, "1/1"]));

    const json = JSON.parse((await run("get", "pod", rows[0]!.NAME!, "-o", "json")).stdout) as V1Pod;
    expect(json.status?.phase).toBe("Running");
    expect(json.metadata?.ownerReferences?.[0]?.kind).toBe("ReplicaSet");

    const exec = await run("exec", rows[0]!.NAME!, "--", "etcdctl", "member", "list");
    expect(exec.code).toBe(0);
    expect(exec.stdout.trim().split("\n")).toHaveLength(5);
    const failing = await run("exec", rows[0]!.NAME!, "--", "sh", "-c", "exit 3");
    expect(failing.code).toBe(3);
  });

  it("surfaces 404 and 409 as ApiException codes", async () => {
    await expect(apps.readNamespacedDeployment({ name: "missing", namespace: "default" })).rejects.toMatchObject({
      code: 404,
    });
    const body = { metadata: { name: "settings" }, data: { a: "1" } };
    const created = await core.createNamespacedConfigMap({ namespace: "default", body });
    const again = await core.createNamespacedConfigMap({ namespace: "default", body }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(ApiException);
    expect((again as ApiException<string>).code).toBe(409);
    expect(JSON.parse((again as ApiException<string>).body)).toMatchObject({ kind: "Status", reason: "AlreadyExists" });
    await core.replaceNamespacedConfigMap({
      name: "settings",
      namespace: "default",
      body: { ...created, data: { a: "2" } },
    });
    const stale = await core
      .replaceNamespacedConfigMap({ name: "settings", namespace: "default", body: { ...created, data: { a: "3" } } })
      .catch((e: unknown) => e);
    expect((stale as ApiException<string>).code).toBe(409);
    expect(JSON.parse((stale as ApiException<string>).body)).toMatchObject({ reason: "Conflict" });
  });

  it("answers a watch from a compacted resourceVersion with a 410 Gone ERROR event", async () => {
    const events: { type: string; object: { code?: number; reason?: string } }[] = [];
    const ended = new Promise<void>((resolve) => {
      void new Watch(kc).watch(
        "/api/v1/namespaces/default/pods",
        { resourceVersion: "1" },
        (type, object: { code?: number; reason?: string }) => events.push({ type, object }),
        () => resolve(),
      );
    });
    await ended;
    expect(events).toEqual([
      { type: "ERROR", object: expect.objectContaining({ code: 410, reason: "Expired" }) as object },
    ]);
  });

  it("reproduces the seed's failure: a deleted member Pod returns empty and crash-loops, quorum holds", async () => {
    await etcd.put("before-failure").value("kept");
    const member3 = "etcd.responder.io/cluster=example,etcd.responder.io/member=3";
    const list = await core.listNamespacedPod({ namespace: "default", labelSelector: member3 });
    const oldPod = list.items[0]!.metadata!.name!;

    const events: { type: string; object: V1Pod }[] = [];
    const listeners = new Set<() => void>();
    const subscribe = (l: () => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    };
    const watch = await new Watch(kc).watch(
      "/api/v1/namespaces/default/pods",
      { labelSelector: member3, resourceVersion: list.metadata!.resourceVersion! },
      (type, object: V1Pod) => {
        events.push({ type, object });
        listeners.forEach((l) => l());
      },
      () => undefined,
    );
    try {
      const deleted = await run("delete", "pod", oldPod);
      expect(deleted.code).toBe(0);
      expect(deleted.stdout).toContain(`pod "${oldPod}" deleted`);

      await nextEvent(
        events,
        subscribe,
        (e) => e.type === "DELETED" && e.object.metadata?.name === oldPod,
        "the old Pod's DELETED",
        30_000,
      );
      const added = await nextEvent(
        events,
        subscribe,
        (e) => e.type === "ADDED" && e.object.metadata?.name !== oldPod,
        "a new member-3 Pod",
        30_000,
      );
      const newPod = added.object.metadata!.name!;
      await nextEvent(
        events,
        subscribe,
        (e) => e.object.metadata?.name === newPod && waitingReason(e.object) === "CrashLoopBackOff",
        "the new Pod to show CrashLoopBackOff",
        30_000,
      );

      const rows = parseTable((await run("get", "pods")).stdout);
      const crashing = rows.find((r) => r.NAME === newPod);
      expect(crashing).toMatchObject({
        READY: "0/1",
        STATUS: expect.stringMatching(/^(CrashLoopBackOff|Error)$/) as string,
      });
      expect(Number.parseInt(crashing!.RESTARTS!, 10)).toBeGreaterThanOrEqual(1);
      expect(rows.filter((r) => r.NAME !== newPod).map((r) => r.STATUS)).toEqual([
        "Running",
        "Running",
        "Running",
        "Running",
      ]);

      const previous = await run("logs", newPod, "--previous");
      expect(previous.stdout).toMatch(/has already been bootstrapped/);

      // Four of five keep quorum: writes still commit and old keys are still there.
      await etcd.put("after-failure").value("written");
      expect(await etcd.get("before-failure").string()).toBe("kept");

      // The container runs again after each back-off: read the metrics during a CrashLoopBackOff, the next
      // one when a restart came first.
      const crashLoop = new RegExp(
        `kube_pod_container_status_waiting_reason\\{[^}]*pod="${newPod}"[^}]*reason="CrashLoopBackOff"[^}]*\\} 1`,
      );
      let metrics = await (await fetch(sandbox.info.metricsURL)).text();
      for (let restarts = 0; !crashLoop.test(metrics) && restarts < 5; restarts++) {
        const seenRestarts = Math.max(
          ...events.filter((e) => e.object.metadata?.name === newPod).map((e) => restartCount(e.object)),
        );
        await nextEvent(
          events,
          subscribe,
          (e) =>
            e.object.metadata?.name === newPod &&
            waitingReason(e.object) === "CrashLoopBackOff" &&
            restartCount(e.object) > seenRestarts,
          "the new Pod's next CrashLoopBackOff",
          30_000,
        );
        metrics = await (await fetch(sandbox.info.metricsURL)).text();
      }
      expect(metrics).toMatch(crashLoop);
    } finally {
      watch.abort();
    }
  });

  it("scales, applies and deletes with kubectl", async () => {
    const manifest = join(sandbox.dir, "sleeper.yaml");
    await writeFile(
      manifest,
      [
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata: {name: sleeper, namespace: default}",
        "spec:",
        "  replicas: 1",
        "  selector: {matchLabels: {app: sleeper}}",
        "  template:",
        "    metadata: {labels: {app: sleeper}}",
        "    spec:",
        "      terminationGracePeriodSeconds: 1",
        "      containers: [{name: sleeper, image: busybox, command: [sleep, '300']}]",
      ].join("\n"),
    );
    expect((await run("apply", "-f", manifest)).code).toBe(0);
    expect((await run("rollout", "status", "deployment/sleeper", "--timeout=30s")).code).toBe(0);
    expect((await run("scale", "deployment", "sleeper", "--replicas=0")).code).toBe(0);
    expect((await run("wait", "--for=delete", "pod", "-l", "app=sleeper", "--timeout=30s")).code).toBe(0);
    expect((await run("scale", "deployment", "sleeper", "--replicas=1")).code).toBe(0);
    expect((await run("rollout", "status", "deployment/sleeper", "--timeout=30s")).code).toBe(0);
    const deleted = await run("delete", "deployment", "sleeper");
    expect(deleted.code).toBe(0);
    expect((await run("wait", "--for=delete", "pod", "-l", "app=sleeper", "--timeout=30s")).code).toBe(0);
    expect(parseTable((await run("get", "deployments")).stdout).map((d) => d.NAME)).not.toContain("sleeper");
  });
});
