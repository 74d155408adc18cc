import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../src/api/object-store.js";
import { buildTable } from "../../../src/api/tables/build-table.js";
import { printerFor } from "../../../src/api/tables/printers.js";

const NOW = Date.parse("2024-05-01T12:00:00Z");
const ago = (ms: number) => new Date(NOW - ms).toISOString();

function obj(kind: string, name: string, fields: Record<string, unknown>, created = ago(65_000)): KubeObject {
  return { apiVersion: "v1", kind, metadata: { name, namespace: "default", creationTimestamp: created }, ...fields };
}

const cells = (resource: string, o: KubeObject) => printerFor(resource).cells(o, NOW);

describe("table printers", () => {
  const containers = {
    containers: [
      { name: "etcd", image: "etcd:3.4" },
      { name: "proxy", image: "envoy:1" },
    ],
  };

  it("prints a crash-looping pod with its reason and last restart", () => {
    const pod = obj("Pod", "etcd-1", {
      spec: { ...containers, nodeName: "node-a" },
      status: {
        phase: "Running",
        podIP: "10.0.0.3",
        containerStatuses: [
          {
            name: "etcd",
            ready: false,
            restartCount: 3,
            state: { waiting: { reason: "CrashLoopBackOff" } },
            lastState: { terminated: { exitCode: 1, finishedAt: ago(5000) } },
          },
          { name: "proxy", ready: true, restartCount: 1, state: { running: {} } },
        ],
      },
    });
    expect(cells("pods", pod)).toEqual([
      "etcd-1",
      "1/2",
      "CrashLoopBackOff",
      "4 (5s ago)",
      "65s",
      "10.0.0.3",
      "node-a",
      "<none>",
      "<none>",
    ]);
  });

  it("prints a pod's phase, terminated reasons, init progress and Terminating", () => {
    const status = (s: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      cells(
        "pods",
        obj("Pod", "p", {
          spec: { containers: [{ name: "c" }], initContainers: [{ name: "i" }] },
          status: s,
          ...extra,
        }),
      )[2];
    expect(status({ phase: "Pending" })).toBe("Pending");
    expect(
      status({
        phase: "Failed",
        containerStatuses: [{ name: "c", state: { terminated: { exitCode: 1, reason: "Error" } } }],
      }),
    ).toBe("Error");
    expect(
      status({ phase: "Failed", containerStatuses: [{ name: "c", state: { terminated: { exitCode: 137 } } }] }),
    ).toBe("ExitCode:137");
    expect(status({ phase: "Pending", initContainerStatuses: [{ name: "i", state: { running: {} } }] })).toBe(
      "Init:0/1",
    );
    expect(
      status({
        phase: "Pending",
        initContainerStatuses: [{ name: "i", state: { waiting: { reason: "CrashLoopBackOff" } } }],
      }),
    ).toBe("Init:CrashLoopBackOff");
    const deleting = cells("pods", {
      ...obj("Pod", "p", { status: { phase: "Running" } }),
      metadata: { name: "p", deletionTimestamp: ago(0) },
    });
    expect(deleting[2]).toBe("Terminating");
  });

  it("counts the restarts of init containers in a pod's Restarts", () => {
    const pod = obj("Pod", "p", {
      spec: { containers: [{ name: "c" }], initContainers: [{ name: "i" }] },
      status: {
        phase: "Pending",
        initContainerStatuses: [
          {
            name: "i",
            restartCount: 2,
            state: { waiting: { reason: "CrashLoopBackOff" } },
            lastState: { terminated: { exitCode: 1, finishedAt: ago(3000) } },
          },
        ],
        containerStatuses: [{ name: "c", restartCount: 0, state: { waiting: { reason: "PodInitializing" } } }],
      },
    });
    expect(cells("pods", pod).slice(1, 4)).toEqual(["0/1", "Init:CrashLoopBackOff", "2 (3s ago)"]);
  });

  it("prints Deployments and ReplicaSets with their replica counts", () => {
    const template = { template: { spec: containers }, selector: { matchLabels: { app: "etcd" } } };
    const deploy = obj("Deployment", "etcd", {
      spec: { replicas: 3, ...template },
      status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    });
    expect(cells("deployments.apps", deploy)).toEqual([
      "etcd",
      "2/3",
      3,
      2,
      "65s",
      "etcd,proxy",
      "etcd:3.4,envoy:1",
      "app=etcd",
    ]);
    const rs = obj("ReplicaSet", "etcd-abc", {
      spec: { replicas: 3, ...template },
      status: { replicas: 3, readyReplicas: 1 },
    });
    expect(cells("replicasets.apps", rs).slice(0, 5)).toEqual(["etcd-abc", 3, 3, 1, "65s"]);
  });

  it("prints Services, Events, Leases, ConfigMaps and others", () => {
    const svc = obj("Service", "etcd", {
      spec: {
        type: "ClusterIP",
        clusterIP: "10.96.0.10",
        ports: [
          { port: 2379, protocol: "TCP" },
          { port: 2380, nodePort: 30080, protocol: "TCP" },
        ],
        selector: { app: "etcd" },
      },
    });
    expect(cells("services", svc)).toEqual([
      "etcd",
      "ClusterIP",
      "10.96.0.10",
      "<none>",
      "2379/TCP,2380:30080/TCP",
      "65s",
      "app=etcd",
    ]);

    const event = obj("Event", "etcd-1.abc", {
      type: "Warning",
      reason: "BackOff",
      message: "Back-off restarting failed container",
      involvedObject: { kind: "Pod", name: "etcd-1" },
      count: 7,
      firstTimestamp: ago(60 * 60_000),
      lastTimestamp: ago(30_000),
      source: { component: "kubelet" },
    });
    expect(cells("events", event).slice(0, 4)).toEqual(["30s (x7 over 60m)", "Warning", "BackOff", "pod/etcd-1"]);
    expect(cells("events", event)[6]).toBe("Back-off restarting failed container");

    expect(cells("leases.coordination.k8s.io", obj("Lease", "leader", { spec: { holderIdentity: "a" } }))).toEqual([
      "leader",
      "a",
      "65s",
    ]);
    expect(cells("configmaps", obj("ConfigMap", "cm", { data: { a: "1", b: "2" } }))).toEqual(["cm", 2, "65s"]);
    expect(cells("secrets", obj("Secret", "s", { type: "Opaque", data: { a: "" } }))).toEqual([
      "s",
      "Opaque",
      1,
      "65s",
    ]);
    expect(printerFor("unknown").cells(obj("Thing", "t", {}), NOW)).toEqual(["t", "65s"]);
  });

  it("prints ServiceAccounts, Roles and their bindings as kubectl does", () => {
    expect(cells("serviceaccounts", obj("ServiceAccount", "robot", { secrets: [{ name: "robot-token" }] }))).toEqual([
      "robot",
      1,
      "65s",
    ]);
    expect(cells("clusterroles.rbac.authorization.k8s.io", obj("ClusterRole", "view", {}))).toEqual([
      "view",
      ago(65_000),
    ]);
    const binding = obj("RoleBinding", "reads", { roleRef: { kind: "ClusterRole", name: "view" } });
    expect(cells("rolebindings.rbac.authorization.k8s.io", binding)).toEqual(["reads", "ClusterRole/view", "65s"]);
  });

  it("builds a Table with metadata rows, whole objects or none", () => {
    const cm = obj("ConfigMap", "cm", {});
    const table = buildTable([cm], printerFor("configmaps"), {
      request: { version: "v1", includeObject: "Metadata" },
      resourceVersion: "7",
      now: NOW,
    });
    expect(table).toMatchObject({
      kind: "Table",
      apiVersion: "meta.k8s.io/v1",
      metadata: { resourceVersion: "7" },
      rows: [
        {
          cells: ["cm", 0, "65s"],
          object: { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: cm.metadata },
        },
      ],
    });
    expect((table.columnDefinitions as { name: string; format: string }[])[0]).toMatchObject({
      name: "Name",
      format: "name",
    });
    const whole = buildTable([cm], printerFor("configmaps"), {
      request: { version: "v1beta1", includeObject: "Object" },
      omitColumns: true,
    });
    expect(whole).toMatchObject({ apiVersion: "meta.k8s.io/v1beta1", columnDefinitions: [], rows: [{ object: cm }] });
    const none = buildTable([cm], printerFor("configmaps"), { request: { version: "v1", includeObject: "None" } });
    expect((none.rows as Record<string, unknown>[])[0]).not.toHaveProperty("object");
  });
});
