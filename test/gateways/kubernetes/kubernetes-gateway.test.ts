import { execFileSync } from "node:child_process";
import { setTimeout as delay } from "node:timers/promises";
import { CoreV1Api, KubeConfig, type CoreV1Event, type V1Deployment, type V1Pod } from "@kubernetes/client-node";
import { Etcd3 } from "etcd3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeadlineExceededError, LeaseHeldError, LeaseLostError } from "../../../src/core/errors.js";
import { failFastPolicy } from "../../../src/gateways/etcd/etcd3-gateway.js";
import { isUnhealthyCluster } from "../../../src/gateways/etcd/errors.js";
import { KubernetesApiError } from "../../../src/gateways/kubernetes/errors.js";
import {
  createKubernetesGateway,
  type KubernetesGateway,
} from "../../../src/gateways/kubernetes/kubernetes-gateway.js";
import {
  isPodReady,
  clientNodePodSource,
  waitForPodSet,
  type PodSource,
} from "../../../src/gateways/kubernetes/pods.js";
import { freePort, kubectlPath } from "../../support/tools.js";
import { kubectl, parseTable } from "../../support/kubectl.js";
import { startSandboxProcess, type SandboxProcess } from "../../support/sandbox-process.js";
import { capturingLogger } from "../../support/capturing-logger.js";

const NS = "default";
const CLUSTER = "etcd.responder.io/cluster=example";
const member = (index: number) => `${CLUSTER},etcd.responder.io/member=${index}`;

/** The single Pod's name once exactly one Pod runs and is Ready; the `check` of a waitForPods. */
const oneReadyPod = (pods: V1Pod[]) =>
  pods.length === 1 && pods[0]!.status?.phase === "Running" && isPodReady(pods[0]!)
    ? pods[0]!.metadata!.name!
    : undefined;

// A real sandbox process (API server, controllers, kubelet, three etcd members) and the real client-node.
// The tests build on each other: member 3 is scaled down, re-added to etcd and scaled up again.
describe("Kubernetes gateway against the sandbox", () => {
  let sandbox: SandboxProcess;
  let kubeConfig: KubeConfig;
  let gateway: KubernetesGateway;
  const log = capturingLogger();

  beforeAll(async () => {
    sandbox = await startSandboxProcess({ members: 3 });
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(sandbox.info.kubeconfig);
    gateway = createKubernetesGateway({ kubeConfig, logger: log.logger });
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  it("reads a Deployment, and answers undefined for missing Deployments and StatefulSets", async () => {
    const deployment = await gateway.readDeployment(NS, "example-1");
    expect(deployment?.metadata?.name).toBe("example-1");
    expect(deployment?.spec?.template.spec?.containers[0]?.name).toBe("etcd");
    expect(await gateway.readDeployment(NS, "example-9")).toBeUndefined();
    expect(await gateway.readStatefulSet(NS, "example-1")).toBeUndefined();
  });

  it("reads a running member's log, and an empty previous log of a container that never restarted", async () => {
    const { pods } = await gateway.listPods(NS, member(1));
    expect(pods).toHaveLength(1);
    const pod = pods[0]!.metadata!.name!;
    const log = await gateway.readPodLog(NS, pod, { container: "etcd" });
    expect(log).toMatch(/etcd Version: 3\.4/);
    expect(log).toContain("example1");
    const tail = await gateway.readPodLog(NS, pod, { tailLines: 2 });
    expect(tail.trimEnd().split("\n")).toHaveLength(2);
    expect(await gateway.readPodLog(NS, pod, { previous: true })).toBe("");
    expect(await gateway.readPodLog(NS, "no-such-pod", {})).toBe("");
  });

  it("lists Pods by label with the list's resourceVersion", async () => {
    const { pods, resourceVersion } = await gateway.listPods(NS, CLUSTER);
    expect(pods.map((p) => p.metadata?.labels?.["etcd.responder.io/member"]).sort()).toEqual(["1", "2", "3"]);
    expect(resourceVersion).toMatch(/^\d+$/);
    // Listed Pods come as client-node models, with Dates for times.
    expect(pods[0]!.metadata!.creationTimestamp).toBeInstanceOf(Date);
  });

  it("gives up waiting for Pods after the deadline, naming what it waited for and the Pods it saw", async () => {
    const started = Date.now();
    const error = await gateway
      .waitForPods(NS, member(2), () => undefined, "member 2 to have two Pods", 400)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as DeadlineExceededError).retryable).toBe(true);
    expect((error as Error).message).toMatch(
      /^gave up after 400 ms waiting for member 2 to have two Pods \(last: example-2-\S+ Running ready\)$/,
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("lists again and keeps watching when the watch's resourceVersion is too old (410)", async () => {
    const real = clientNodePodSource(kubeConfig, kubeConfig.makeApiClient(CoreV1Api), NS, CLUSTER);
    const seen: string[] = [];
    let lists = 0;
    const counting: PodSource = {
      list: () => {
        lists++;
        return real.list();
      },
      watch: (rv, onEvent, onEnd) =>
        real.watch(
          rv,
          (event) => {
            seen.push(event.type === "ERROR" ? `ERROR ${event.code}` : event.type);
            onEvent(event);
          },
          onEnd,
        ),
    };
    // The sandbox compacted its history after start-up, as an API server does: version 1 is long gone.
    const names = await waitForPodSet(counting, {
      check: (pods) => (pods.length === 3 ? pods.map((p) => p.metadata!.name!) : undefined),
      what: "the three member Pods",
      timeoutMs: 5000,
      logger: log.logger,
      startFrom: { pods: [], resourceVersion: "1" },
    });
    expect(seen[0]).toBe("ERROR 410");
    expect(lists).toBe(1);
    expect(names.map((n) => n.replace(/-[^-]+-[^-]+$/, ""))).toEqual(["example-1", "example-2", "example-3"]);
  });

  it("lists again when the server ends a watch", async () => {
    const real = clientNodePodSource(kubeConfig, kubeConfig.makeApiClient(CoreV1Api), NS, CLUSTER, {
      watchTimeoutSeconds: 2,
    });
    const versions: string[] = [];
    let lists = 0;
    const counting: PodSource = {
      list: () => {
        lists++;
        return real.list();
      },
      watch: (rv, onEvent, onEnd) => {
        versions.push(rv);
        return real.watch(rv, onEvent, onEnd);
      },
    };
    const started = Date.now();
    const pods = await waitForPodSet(counting, {
      check: (current) => (lists === 2 ? current.length : undefined),
      what: "a second list after the server ended the watch",
      timeoutMs: 6000,
      logger: log.logger,
    });
    expect(pods).toBe(3);
    // One watch, ended by the server after its 2 s, then the second list.
    expect(versions).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(log.lines().filter((l) => l.msg === "pod watch failed, listing again")).toEqual([]);
  });

  it("scales a member to 0 and waits until its Pod is really gone", async () => {
    await gateway.scaleDeployment(NS, "example-3", 0);
    const gone = await gateway.waitForPods(
      NS,
      member(3),
      (pods) => (pods.length === 0 ? true : undefined),
      "member 3 to have no Pod",
      20_000,
    );
    expect(gone).toBe(true);
    expect((await gateway.listPods(NS, member(3))).pods).toEqual([]);
    expect((await gateway.readDeployment(NS, "example-3"))?.spec?.replicas).toBe(0);
    // Only replicas changed: the scale subresource was merge-patched, not the Deployment replaced.
    expect((await gateway.readDeployment(NS, "example-3"))?.spec?.template.spec?.containers[0]?.args).toContain(
      "--initial-cluster-state=new",
    );
  });

  it("updates a Deployment's args, keeps the rest of its spec, retries after a concurrent change (409)", async () => {
    const before = (await gateway.readDeployment(NS, "example-3"))!;
    let calls = 0;
    const after = await gateway.updateDeployment(NS, "example-3", (deployment) => {
      calls++;
      const container = deployment.spec!.template.spec!.containers[0]!;
      container.args = container.args!.map((a) =>
        a === "--initial-cluster-state=new" ? "--initial-cluster-state=existing" : a,
      );
      if (calls === 1) {
        // Someone else writes between our read and our replace: the replace must meet a 409 and read again.
        execFileSync(kubectlPath, [
          "--kubeconfig",
          sandbox.info.kubeconfig,
          "annotate",
          "deployment",
          "example-3",
          "example.com/touched=yes",
        ]);
      }
    });
    expect(calls).toBe(2);
    const expected = structuredClone(before.spec!);
    expected.template.spec!.containers[0]!.args = before.spec!.template.spec!.containers[0]!.args!.map((a) =>
      a === "--initial-cluster-state=new" ? "--initial-cluster-state=existing" : a,
    );
    expect(after.spec).toEqual(expected);
    expect(after.metadata?.annotations?.["example.com/touched"]).toBe("yes");
    expect(after.metadata?.labels).toEqual(before.metadata?.labels);
    const stored = await gateway.readDeployment(NS, "example-3");
    expect(stored?.spec).toEqual(expected);
  });

  it("fails an update of a missing Deployment with a typed, non-retryable error naming it", async () => {
    const error = await gateway.updateDeployment(NS, "example-9", () => {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubernetesApiError);
    expect(error).toMatchObject({ statusCode: 404, reason: "NotFound", retryable: false });
    expect((error as Error).message).toBe(
      'read Deployment default/example-9 failed with 404 NotFound: deployments.apps "example-9" not found',
    );
  });

  it("scales the re-added member back to 1 and waits until its Pod is Running and Ready", async () => {
    // Member 3 comes back with an empty data directory, so etcd must know it as a new member first.
    const urls = sandbox.info.clusters[0]!.members;
    const etcd = new Etcd3({
      hosts: urls.slice(0, 2).map((m) => m.clientURL),
      // etcd3's default policy opens a circuit breaker on the first refusal; addMember retries those itself.
      faultHandling: { host: () => failFastPolicy, global: failFastPolicy },
    });
    try {
      const peerURL = urls[2]!.peerURL;
      const { members } = await etcd.cluster.memberList({});
      const old = members.find((m) => m.peerURLs.includes(peerURL));
      if (old) await etcd.cluster.memberRemove({ ID: old.ID });
      await addMember(etcd, peerURL, 10_000);

      await gateway.scaleDeployment(NS, "example-3", 1);
      const pod = await gateway.waitForPods(NS, member(3), oneReadyPod, "member 3 to run one Ready Pod", 30_000);
      expect(pod).toMatch(/^example-3-/);
      const { pods } = await gateway.listPods(NS, member(3));
      expect(pods[0]!.spec!.containers[0]!.args).toContain("--initial-cluster-state=existing");
      // Ready means the member serves the cluster: etcd lists it as started, under its name.
      const after = await etcd.cluster.memberList({});
      expect(after.members.map((m) => m.name).sort()).toEqual(["example1", "example2", "example3"]);
    } finally {
      etcd.close();
    }
  });

  it("creates a Lease, refuses a second holder, renews, deletes it on release, passes it on", async () => {
    const first = await gateway.acquireLease(NS, "recovery-example", "responder-a", 30);
    expect(first).toEqual({ namespace: NS, name: "recovery-example", holder: "responder-a", durationSeconds: 30 });
    const created = await leaseJSON("recovery-example");
    expect(created.spec).toMatchObject({
      holderIdentity: "responder-a",
      leaseDurationSeconds: 30,
      leaseTransitions: 0,
    });
    // Lease times go over the wire with six fraction digits, as a real API server requires.
    expect(created.spec.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(created.spec.acquireTime).toMatch(/\.\d{6}Z$/);

    const refused = await gateway.acquireLease(NS, "recovery-example", "responder-b", 30).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LeaseHeldError);
    expect(refused).toMatchObject({ holder: "responder-a", retryable: true, lease: "default/recovery-example" });
    expect((refused as LeaseHeldError).expiresAt!.getTime()).toBeGreaterThan(Date.now() + 20_000);
    expect((refused as Error).message).toContain('held by "responder-a"');

    await gateway.renewLease(first);
    const renewed = await leaseJSON("recovery-example");
    expect(Date.parse(renewed.spec.renewTime)).toBeGreaterThan(Date.parse(created.spec.renewTime));
    expect(renewed.spec.acquireTime).toBe(created.spec.acquireTime);
    // Acquiring again as the holder is a renewal, not a transition.
    await gateway.acquireLease(NS, "recovery-example", "responder-a", 30);
    expect((await leaseJSON("recovery-example")).spec.leaseTransitions).toBe(0);

    // Released is deleted: nothing is left in the namespace while no recovery runs.
    await gateway.releaseLease(first);
    const gone = await kubectl(sandbox.info.kubeconfig, "get", "lease", "recovery-example", "-n", NS);
    expect(gone.stderr).toContain("NotFound");
    const second = await gateway.acquireLease(NS, "recovery-example", "responder-b", 30);
    expect(second.holder).toBe("responder-b");
    expect((await leaseJSON("recovery-example")).spec).toMatchObject({
      holderIdentity: "responder-b",
      leaseTransitions: 0,
    });

    // The first holder lost it: renewing fails for good, releasing leaves the new holder alone.
    const lost = await gateway.renewLease(first).catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(LeaseLostError);
    expect(lost).toMatchObject({ currentHolder: "responder-b", retryable: false });
    await gateway.releaseLease(first);
    expect((await leaseJSON("recovery-example")).spec.holderIdentity).toBe("responder-b");
    await gateway.releaseLease({ ...first, name: "no-such-lease" });
  });

  it("takes over a Lease whose holder let it expire, counting the transition", async () => {
    await gateway.acquireLease(NS, "recovery-expiring", "responder-a", 1);
    await expect(gateway.acquireLease(NS, "recovery-expiring", "responder-b", 1)).rejects.toBeInstanceOf(
      LeaseHeldError,
    );
    // Expiry is the passing of time itself, so here the test waits for it.
    await delay(1100);
    const taken = await gateway.acquireLease(NS, "recovery-expiring", "responder-b", 1);
    expect(taken.holder).toBe("responder-b");
    expect((await leaseJSON("recovery-expiring")).spec).toMatchObject({
      holderIdentity: "responder-b",
      leaseTransitions: 1,
    });
  });

  it("lets exactly one of two candidates create a missing Lease; the other learns who won", async () => {
    const results = await Promise.allSettled([
      gateway.acquireLease(NS, "recovery-race", "responder-a", 30),
      gateway.acquireLease(NS, "recovery-race", "responder-b", 30),
    ]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toBeInstanceOf(LeaseHeldError);
    const holder = (await leaseJSON("recovery-race")).spec.holderIdentity;
    expect((lost[0]!.reason as LeaseHeldError).holder).toBe(holder);
  });

  it("records an Event that kubectl shows with its reason and message", async () => {
    const deployment = (await gateway.readDeployment(NS, "example-3")) as V1Deployment;
    const target = {
      kind: "Deployment",
      apiVersion: "apps/v1",
      namespace: NS,
      name: "example-3",
      uid: deployment.metadata!.uid!,
    };
    await gateway.recordEvent(target, {
      type: "Normal",
      reason: "MemberReplaced",
      message: "member example3 was removed and added again",
    });
    await gateway.recordEvent(target, {
      type: "Warning",
      reason: "RecoveryFailed",
      message: "second event on the same object",
    });
    const run = await kubectl(
      sandbox.info.kubeconfig,
      "get",
      "events",
      "-n",
      NS,
      "--field-selector",
      "involvedObject.name=example-3",
    );
    expect(run.code).toBe(0);
    const rows = parseTable(run.stdout);
    expect(rows).toContainEqual(
      expect.objectContaining({
        TYPE: "Normal",
        REASON: "MemberReplaced",
        OBJECT: "deployment/example-3",
        MESSAGE: "member example3 was removed and added again",
      }),
    );
    expect(rows).toContainEqual(expect.objectContaining({ TYPE: "Warning", REASON: "RecoveryFailed" }));
    const json = JSON.parse(
      (await kubectl(sandbox.info.kubeconfig, "get", "events", "-n", NS, "-o", "json")).stdout,
    ) as { items: CoreV1Event[] };
    const event = json.items.find((e) => e.reason === "MemberReplaced")!;
    expect(event.metadata.name).toMatch(/^example-3\.[0-9a-f]+$/);
    expect(event).toMatchObject({
      count: 1,
      source: { component: "etcd-responder" },
      reportingComponent: "etcd-responder",
    });
    expect(event.involvedObject).toEqual({
      kind: "Deployment",
      apiVersion: "apps/v1",
      namespace: NS,
      name: "example-3",
      uid: deployment.metadata!.uid,
    });
  });

  it("logs but never throws when an Event cannot be recorded, and sends a read again as retries allow", async () => {
    const unreachable = new KubeConfig();
    // A port nobody serves; not a low one like 1, which fetch refuses outright as a "bad port".
    const port = await freePort();
    unreachable.loadFromOptions({
      clusters: [{ name: "gone", server: `https://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: "nobody" }],
      contexts: [{ name: "gone", cluster: "gone", user: "nobody" }],
      currentContext: "gone",
    });
    const captured = capturingLogger();
    const offline = createKubernetesGateway({
      kubeConfig: unreachable,
      logger: captured.logger,
      retries: { attempts: 3, initialDelayMs: 10, maxDelayMs: 20 },
    });
    await offline.recordEvent(
      { kind: "Pod", apiVersion: "v1", namespace: NS, name: "p" },
      { type: "Warning", reason: "R", message: "m" },
    );
    const warning = captured.lines().find((l) => l.msg === "could not record event");
    expect(warning).toMatchObject({ level: "warn", reason: "R", name: "kubernetes" });
    // An unreachable server is worth trying again later; the typed error says so.
    const failure = await offline.readDeployment(NS, "x").catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(KubernetesApiError);
    expect(failure).toMatchObject({ retryable: true, statusCode: undefined });
    expect((failure as Error).message).toBe(
      `read Deployment default/x failed: fetch failed: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    // Sent three times in all, as the retries allow, each failure but the last logged as tried again.
    const retried = captured.lines().filter((l) => l.msg === "Kubernetes API call failed; sending it again");
    expect(retried.map((l) => [l.attempt, l.retryInMs])).toEqual([
      [1, 10],
      [2, 20],
    ]);
  });

  /** The Lease as kubectl sees it: the raw JSON the server stores, MicroTimes as strings. */
  async function leaseJSON(name: string): Promise<StoredLease> {
    const run = await kubectl(sandbox.info.kubeconfig, "get", "lease", name, "-n", NS, "-o", "json");
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(run.stdout) as StoredLease;
  }
});

/** Adds a member, retrying while etcd refuses for an unhealthy cluster (it wants peers connected for a while). */
async function addMember(etcd: Etcd3, peerURL: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await etcd.cluster.memberAdd({ peerURLs: [peerURL] });
      return;
    } catch (error) {
      if (!isUnhealthyCluster(error) || Date.now() > deadline) throw error;
    }
    await delay(200);
  }
}

/** The fields of a Lease's JSON these tests read. */
interface StoredLease {
  spec: {
    holderIdentity?: string;
    renewTime: string;
    acquireTime: string;
    leaseDurationSeconds?: number;
    leaseTransitions?: number;
  };
}
