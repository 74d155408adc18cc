import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { startSandbox, type Sandbox } from "kube-sandbox";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/core/logger.js";
import { createKubernetesGateway } from "../../src/gateways/kubernetes/kubernetes-gateway.js";
import { podLabelsFromGateway } from "../../src/intake/pod-member.js";
import { firingAlert, notification } from "../support/alertmanager-payloads.js";
import { capturingLogger, type CapturingLogger } from "../support/capturing-logger.js";
import { BEARER, intakeHarness } from "../support/intake-harness.js";

// The webhook over the sandbox's real API server, run in this process so that its request log (debug) can be
// read: every Pod LIST the receiver makes is counted there. The harness's clusters are `example` in default,
// `main` and `shared` in prod, `shared` in staging.

const SLEEPER = { name: "etcd", image: "quay.io/coreos/etcd:v3.4.34", command: ["sleep", "3600"] };
const UNKNOWN_PODS = 500;

/** A Pod whose name follows no member's naming, labelled as a member's. */
function renamedMemberPod(namespace: string, name: string, cluster: string, member: number) {
  const labels = { "etcd.responder.io/cluster": cluster, "etcd.responder.io/member": String(member) };
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace, labels }, spec: { containers: [SLEEPER] } };
}

describe("POST /v1/alerts naming many Pods the naming convention does not know", () => {
  let dir: string;
  let sandbox: Sandbox;
  let log: CapturingLogger;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "alerts-pod-lookups-"));
    log = capturingLogger();
    sandbox = await startSandbox({ dir, logger: log.logger });
    // Seeded straight into the store, so the only HTTP requests are the receiver's.
    sandbox.store.create("namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "prod" } });
    sandbox.store.create("pods", renamedMemberPod("default", "etcd-odd-name", "example", 2));
    sandbox.store.create("pods", renamedMemberPod("prod", "etcd-renamed", "main", 1));
  });
  afterAll(async () => {
    await sandbox?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The Pod LISTs the API server has served, by namespace. */
  function podListsByNamespace(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const line of log.lines()) {
      const match = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(String(line.path));
      if (line.msg !== "request" || line.method !== "GET" || !match) continue;
      if (typeof line.query === "string" && line.query.includes("watch=")) continue;
      counts[match[1] ?? ""] = (counts[match[1] ?? ""] ?? 0) + 1;
    }
    return counts;
  }

  it(`makes one LIST per namespace for ${UNKNOWN_PODS} unknown Pods, and tells matched from ignored`, async () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(sandbox.kubeconfig);
    const gateway = createKubernetesGateway({ kubeConfig, logger: createLogger({ level: "silent" }) });
    const { app, queue } = intakeHarness({ readPodLabels: podLabelsFromGateway(() => Promise.resolve(gateway)) });
    const unknown = Array.from({ length: UNKNOWN_PODS }, (_, i) => firingAlert("default", `web-${i}-6b7c9d-x${i}`));
    const alerts = [
      ...unknown,
      firingAlert("default", "etcd-odd-name"),
      // By the naming convention: no Kubernetes read.
      firingAlert("default", "example-4-5c8b7f9d6-p9w2z"),
      firingAlert("prod", "etcd-renamed"),
      firingAlert("prod", "gone-pod"),
      // No configured cluster there: never asked.
      firingAlert("kube-system", "coredns-76f75df574-8kq2v"),
    ];
    const listsBefore = podListsByNamespace();
    expect(listsBefore).toEqual({});

    const answer = await request(app).post("/v1/alerts").set("Authorization", BEARER).send(notification(alerts));

    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({
      enqueued: [
        { id: "recovery-1", cluster: "example", namespace: "default", member: 2 },
        { id: "recovery-2", cluster: "example", namespace: "default", member: 4 },
        { id: "recovery-3", cluster: "main", namespace: "prod", member: 1 },
      ],
      deduplicated: 0,
      ignored: UNKNOWN_PODS + 2,
    });
    expect(queue.requests.map((r) => r.trigger)).toMatchObject([
      { pod: "etcd-odd-name" },
      { pod: "example-4-5c8b7f9d6-p9w2z" },
      { pod: "etcd-renamed" },
    ]);
    expect(podListsByNamespace()).toEqual({ default: 1, prod: 1 });
  });
});
