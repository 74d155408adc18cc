import { describe, expect, it } from "vitest";
import { ObjectStore } from "../../src/api/object-store.js";
import { renderKubeStateMetrics } from "../../src/metrics/kube-state-metrics.js";
import { parseExposition } from "../../src/metrics/parse-exposition.js";
import type { MetricFamily } from "../../src/metrics/exposition-format.js";

function crashLoopingMember(store: ObjectStore) {
  return store.create("pods", {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "etcd-1-abc-xyz12",
      namespace: "etcd",
      ownerReferences: [
        { apiVersion: "apps/v1", kind: "ReplicaSet", name: "etcd-1-abc", uid: "rs-1", controller: true },
      ],
    },
    spec: {
      nodeName: "sandbox",
      containers: [
        { name: "etcd", image: "registry.k8s.io/etcd:3.4.13-0" },
        { name: "sidecar", image: "busybox" },
      ],
    },
    status: {
      phase: "Running",
      podIP: "127.0.0.2",
      hostIP: "127.0.0.1",
      conditions: [{ type: "Ready", status: "False" }],
      containerStatuses: [
        {
          name: "etcd",
          ready: false,
          restartCount: 4,
          image: "registry.k8s.io/etcd:3.4.13-0",
          state: {
            waiting: { reason: "CrashLoopBackOff", message: 'back-off 40s restarting failed container="etcd"' },
          },
          lastState: { terminated: { exitCode: 1, reason: "Error" } },
        },
        { name: "sidecar", ready: true, restartCount: 0, state: { running: { startedAt: "2025-01-01T00:00:00Z" } } },
      ],
    },
  });
}

function family(families: MetricFamily[], name: string): MetricFamily {
  const found = families.find((f) => f.name === name);
  if (!found) throw new Error(`no family ${name}`);
  return found;
}

/** Each sample's value by its `pick` label (a sample without that label counts under "undefined"). */
const values = (f: MetricFamily, pick: string): Record<string, number> =>
  Object.fromEntries(f.samples.map((s) => [String(s.labels[pick]), s.value] as const));

describe("renderKubeStateMetrics", () => {
  it("describes pods with kube-state-metrics v2 names and labels", () => {
    const store = new ObjectStore();
    const pod = crashLoopingMember(store);
    const families = parseExposition(renderKubeStateMetrics(store));
    const id = { namespace: "etcd", pod: "etcd-1-abc-xyz12", uid: pod.metadata.uid };

    expect(family(families, "kube_pod_info").samples).toEqual([
      {
        labels: {
          ...id,
          host_ip: "127.0.0.1",
          pod_ip: "127.0.0.2",
          node: "sandbox",
          created_by_kind: "ReplicaSet",
          created_by_name: "etcd-1-abc",
          priority_class: "",
          host_network: "false",
        },
        value: 1,
      },
    ]);
    expect(family(families, "kube_pod_owner").samples[0]?.labels).toEqual({
      ...id,
      owner_kind: "ReplicaSet",
      owner_name: "etcd-1-abc",
      owner_is_controller: "true",
    });
    expect(values(family(families, "kube_pod_status_phase"), "phase")).toEqual({
      Pending: 0,
      Succeeded: 0,
      Failed: 0,
      Unknown: 0,
      Running: 1,
    });
    expect(values(family(families, "kube_pod_status_ready"), "condition")).toEqual({ true: 0, false: 1, unknown: 0 });

    expect(family(families, "kube_pod_container_status_waiting_reason").samples).toEqual([
      { labels: { ...id, container: "etcd", reason: "CrashLoopBackOff" }, value: 1 },
    ]);
    expect(values(family(families, "kube_pod_container_status_waiting"), "container")).toEqual({ etcd: 1, sidecar: 0 });
    expect(values(family(families, "kube_pod_container_status_running"), "container")).toEqual({ etcd: 0, sidecar: 1 });
    expect(values(family(families, "kube_pod_container_status_ready"), "container")).toEqual({ etcd: 0, sidecar: 1 });
    expect(values(family(families, "kube_pod_container_status_restarts_total"), "container")).toEqual({
      etcd: 4,
      sidecar: 0,
    });
    expect(family(families, "kube_pod_container_status_restarts_total").type).toBe("counter");
    expect(family(families, "kube_pod_container_status_last_terminated_reason").samples).toEqual([
      { labels: { ...id, container: "etcd", reason: "Error" }, value: 1 },
    ]);
    expect(family(families, "kube_pod_container_status_terminated_reason").samples).toEqual([]);
    expect(family(families, "kube_pod_container_info").samples[0]?.labels).toMatchObject({
      container: "etcd",
      image_spec: "registry.k8s.io/etcd:3.4.13-0",
    });
  });

  it("reports a terminated container's reason and an owner-less pod's <none> owner", () => {
    const store = new ObjectStore();
    store.create("pods", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "bare", namespace: "etcd" },
      spec: { containers: [{ name: "etcd" }] },
      status: {
        phase: "Failed",
        containerStatuses: [{ name: "etcd", restartCount: 0, state: { terminated: { exitCode: 2, reason: "Error" } } }],
      },
    });
    const families = parseExposition(renderKubeStateMetrics(store));
    expect(family(families, "kube_pod_owner").samples[0]?.labels).toMatchObject({
      owner_kind: "<none>",
      owner_name: "<none>",
      owner_is_controller: "<none>",
    });
    expect(family(families, "kube_pod_container_status_terminated_reason").samples[0]?.labels).toMatchObject({
      reason: "Error",
    });
    expect(family(families, "kube_pod_status_ready").samples).toEqual([]);
  });

  it("describes Deployments: spec and status replicas, conditions", () => {
    const store = new ObjectStore();
    store.create("deployments.apps", {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "etcd-0", namespace: "etcd" },
      spec: { replicas: 1 },
      status: {
        replicas: 1,
        updatedReplicas: 1,
        readyReplicas: 1,
        availableReplicas: 1,
        conditions: [{ type: "Available", status: "True", reason: "MinimumReplicasAvailable" }],
      },
    });
    const families = parseExposition(renderKubeStateMetrics(store));
    const id = { namespace: "etcd", deployment: "etcd-0" };
    for (const name of [
      "kube_deployment_spec_replicas",
      "kube_deployment_status_replicas",
      "kube_deployment_status_replicas_ready",
      "kube_deployment_status_replicas_available",
    ]) {
      expect(family(families, name).samples).toEqual([{ labels: id, value: 1 }]);
    }
    expect(family(families, "kube_deployment_status_replicas_unavailable").samples).toEqual([{ labels: id, value: 0 }]);
    expect(family(families, "kube_deployment_status_condition").samples).toContainEqual({
      labels: { ...id, condition: "Available", status: "true" },
      value: 1,
    });
  });

  it("escapes label values so the output stays parseable", () => {
    const store = new ObjectStore();
    store.create("pods", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "odd", namespace: "etcd" },
      spec: { containers: [{ name: "etcd" }] },
      status: {
        phase: "Pending",
        containerStatuses: [{ name: "etcd", state: { waiting: { reason: 'Bad"Reason\\with\nnewline' } } }],
      },
    });
    const text = renderKubeStateMetrics(store);
    expect(text).toContain('reason="Bad\\"Reason\\\\with\\nnewline"');
    const families = parseExposition(text);
    expect(family(families, "kube_pod_container_status_waiting_reason").samples[0]?.labels.reason).toBe(
      'Bad"Reason\\with\nnewline',
    );
  });

  it("writes every family with HELP and TYPE even for an empty store", () => {
    const text = renderKubeStateMetrics(new ObjectStore());
    const helps = text.split("\n").filter((l) => l.startsWith("# HELP")).length;
    const types = text.split("\n").filter((l) => l.startsWith("# TYPE")).length;
    expect(helps).toBe(types);
    expect(text).toContain("# TYPE kube_pod_container_status_restarts_total counter");
    expect(text).toContain("# TYPE kube_deployment_spec_replicas gauge");
  });
});
