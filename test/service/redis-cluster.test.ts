import { join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { afterAll, assert, beforeAll, describe, expect, it } from "vitest";
import type { AlertsAnswer } from "../../src/intake/alerts.js";
import { keySlot } from "../../src/core/redis-keys.js";
import { DEPLOYMENT_STEPS } from "../../src/recovery/context.js";
import type { RecoveryListBody } from "../support/api-bodies.js";
import { conventionalPodName, crashLoopNotification } from "../support/crash-loop-notification.js";
import { expectHealthyCluster, writeKeys } from "../support/etcd-cluster-checks.js";
import { breakMember, kubeConfigFrom } from "../support/pod-watch.js";
import { startRedisCluster, type TestRedisCluster } from "../support/redis-cluster.js";
import { startResponder, type ResponderProcess } from "../support/responder-process.js";
import { startSandboxProcess, type SandboxProcess } from "../support/sandbox-process.js";
import { serviceApi, waitForRecovery, type ServiceApi } from "../support/service-api.js";

const KEYS = 20;
const PREFIX = "{etcd-responder}";

describe("the service on a Redis Cluster (3 masters with a replica each), QUEUE_PREFIX with a hash tag", () => {
  let redis: TestRedisCluster | undefined;
  let sandbox: SandboxProcess | undefined;
  let service: ResponderProcess | undefined;
  const refused: ResponderProcess[] = [];
  let api: ServiceApi;
  let kc: KubeConfig;
  const cluster = () => sandbox!.info.clusters[0]!;
  /** The environment of a service on the test cluster, over `more`. */
  const clusterEnv = (more: Record<string, string | undefined> = {}) => ({
    KUBECONFIG: sandbox!.info.kubeconfig,
    REDIS_URL: undefined,
    // Two seeds of six: the cluster tells the client about the others.
    REDIS_CLUSTER_NODES: redis!.addresses.split(",").slice(0, 2).join(","),
    QUEUE_PREFIX: PREFIX,
    ...more,
  });

  beforeAll(async () => {
    [redis, sandbox] = await Promise.all([startRedisCluster(), startSandboxProcess({})]);
    [service] = await Promise.all([
      // REDIS_WAIT_REPLICAS is left at its default: 1 on a cluster, the replica of the prefix's master.
      startResponder({ mode: "all", config: join(sandbox.dir, "responder.yaml"), env: clusterEnv() }),
      writeKeys(sandbox.info, cluster(), "before", KEYS),
    ]);
    api = serviceApi(service.url);
    kc = kubeConfigFrom(sandbox.info.kubeconfig);
  });
  afterAll(async () => {
    await Promise.all(refused.map((process) => process.stop()));
    await service?.stop();
    await sandbox?.stop();
    await redis?.stop();
  });

  it("recovers a crash-looping member from an alert, lists it, every key in the prefix's hash slot", async () => {
    assert(redis && sandbox && service);
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
    expect(service.logs().find((line) => line.msg === "started")).toMatchObject({
      prefix: PREFIX,
      redis: expect.stringMatching(/^Redis Cluster of 127\.0\.0\.1:\d+,127\.0\.0\.1:\d+$/) as unknown,
    });

    const pod = (await breakMember(kc, "default", "example", 3)) ?? conventionalPodName("example-3");
    const notification = crashLoopNotification([{ namespace: "default", pod, fingerprint: "a1c3e5f7092b4d6f" }]);
    const answer = await api.post("/v1/alerts", notification);
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    const [queued] = (answer.body as AlertsAnswer).enqueued;
    assert.isDefined(queued);
    expect(queued).toMatchObject({ cluster: "example", namespace: "default", member: 3 });
    // Alertmanager repeats the notification: it joins the queued (or running) recovery.
    const repeat = await api.post("/v1/alerts", notification);
    expect(repeat.status).toBe(202);
    expect(repeat.body).toMatchObject({ enqueued: [], deduplicated: 1 });

    const record = await waitForRecovery(api, queued.id);
    expect(record.state, JSON.stringify(record)).toBe("succeeded");
    expect(record.steps.map((step) => step.name)).toEqual([...DEPLOYMENT_STEPS]);
    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);

    const history = (await api.get("/v1/recoveries?cluster=example")).body as RecoveryListBody;
    expect(history.recoveries.map((listed) => [listed.id, listed.state])).toEqual([[queued.id, "succeeded"]]);

    // The modes (a transaction and a pipeline) and the metrics that read them and the queue lengths.
    const set = await api.put("/v1/clusters/example/mode", { mode: "observe", reason: "cluster test" });
    expect(set.status).toBe(200);
    expect((await api.put("/v1/clusters/example/mode", { mode: "act" })).status).toBe(200);
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toMatch(/^etcd_responder_queue_waiting\{cluster="default\/example"\} 0$/m);
    expect(metrics).toMatch(/^etcd_responder_cluster_mode\{[^}]*mode="act"[^}]*\} 1$/m);

    // Every key the service made is in the slot of `{etcd-responder}`: on that slot's master (and its replica),
    // on no other node.
    const slot = keySlot(PREFIX);
    expect(await redis.keySlot(PREFIX)).toBe(slot);
    const [master, ...replicas] = await redis.nodesOfSlot(slot);
    expect(replicas.length).toBeGreaterThan(0);
    const byNode = await redis.keysByNode();
    const keys = byNode.get(master!) ?? [];
    expect(keys.length).toBeGreaterThan(5);
    for (const key of keys) expect(key.startsWith(`${PREFIX}:`), key).toBe(true);
    expect(keys).toContain(`${PREFIX}:recover.default.example:${queued.id}`);
    expect(keys).toContain(`${PREFIX}:recovered:default/example/3`);
    expect(keys).toContain(`${PREFIX}:mode:default/example`);
    expect(keys).toContain(`${PREFIX}:replicated`);
    for (const key of keys) expect(await redis.keySlot(key), key).toBe(slot);
    for (const [port, held] of byNode) {
      if (port !== master && !replicas.includes(port)) expect(held, `keys on node ${port}`).toEqual([]);
    }
    expect(await redis.countKeysInSlot(slot)).toBe(keys.length);
  });

  it.each([
    [
      "QUEUE_PREFIX unset",
      { QUEUE_PREFIX: undefined },
      /needs QUEUE_PREFIX with a hash tag, .*: set QUEUE_PREFIX=\{etcd-responder\} \(it is unset, which means/,
    ],
    ["a prefix without a hash tag", { QUEUE_PREFIX: "responder" }, /set QUEUE_PREFIX=\{responder\}, not "responder"$/],
    ["an empty hash tag", { QUEUE_PREFIX: "{}responder" }, /QUEUE_PREFIX may hold \{ and \} only as one hash tag/],
    [
      "Sentinel too",
      { REDIS_SENTINELS: "127.0.0.1:26379", REDIS_MASTER_NAME: "responder" },
      /REDIS_CLUSTER_NODES \(a Redis Cluster\) and REDIS_SENTINELS \(Sentinel\) are two ways to reach Redis/,
    ],
    ["a node without a port", { REDIS_CLUSTER_NODES: "127.0.0.1" }, /"127\.0\.0\.1" is not host:port$/],
    ["an empty node", { REDIS_CLUSTER_NODES: "127.0.0.1:7000,,127.0.0.1:7001" }, /"" is not host:port$/],
    [
      "a database",
      { REDIS_URL: "redis://:hunter2@unused:6379/3" },
      /has database 0 only: REDIS_URL names database "3"/,
    ],
  ])("refuses to start with %s: exit 2 and one line saying why", async (_what, env, message) => {
    assert(sandbox);
    const process = await startResponder({
      mode: "all",
      config: join(sandbox.dir, "responder.yaml"),
      env: clusterEnv(env),
      waitUntilStarted: false,
    });
    refused.push(process);
    expect(await process.exited).toEqual({ code: 2, signal: null });
    const lines = process.output().trim().split("\n");
    expect(lines, process.output()).toHaveLength(1);
    expect(lines[0]).toMatch(/^etcd-responder all: /);
    expect(lines[0]).toMatch(message);
    expect(lines[0]).not.toContain("hunter2");
  });
});
