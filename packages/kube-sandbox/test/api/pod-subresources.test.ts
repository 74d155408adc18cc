import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type ApiHarness } from "./api-harness.js";
import { call } from "./https-client.js";

const PODS = "/api/v1/namespaces/default/pods";
const TABLE_ACCEPT =
  "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

describe("pod logs, deletion and Tables over HTTPS", () => {
  let harness: ApiHarness;
  beforeAll(async () => {
    harness = await startHarness();
    for (const name of ["a", "b", "c"]) {
      const created = await call(harness, "POST", PODS, {
        body: {
          metadata: { name, labels: { app: "etcd" } },
          spec: { containers: [{ name: "etcd", image: "etcd:3.4" }] },
        },
      });
      expect(created.status).toBe(201);
    }
  });
  afterAll(async () => {
    await harness?.close();
  });

  it("defaults a new pod to Pending", async () => {
    const pod = (await call(harness, "GET", `${PODS}/a`)).json<{
      status: { phase: string };
      spec: { restartPolicy: string };
    }>();
    expect(pod.status.phase).toBe("Pending");
    expect(pod.spec.restartPolicy).toBe("Always");
  });

  it("answers pods/log as plain text with the options passed on", async () => {
    const log = await call(harness, "GET", `${PODS}/a/log?container=etcd&tailLines=1&timestamps=false`);
    expect(log.status).toBe(200);
    expect(log.headers["content-type"]).toBe("text/plain");
    expect(log.text).toBe("etcd: current line 3\n");
    const missing = await call(harness, "GET", `${PODS}/ghost/log`);
    expect(missing.status).toBe(404);
    expect(missing.json()).toMatchObject({ message: 'pods "ghost" not found' });
    expect((await call(harness, "GET", `${PODS}/a/log?tailLines=x`)).status).toBe(400);
  });

  it("prints pods as a Table with metadata-only rows unless the whole object is asked for", async () => {
    const table = (
      await call(harness, "GET", `${PODS}?labelSelector=app%3Detcd`, { headers: { Accept: TABLE_ACCEPT } })
    ).json<{
      kind: string;
      apiVersion: string;
      metadata: { resourceVersion: string };
      columnDefinitions: { name: string; priority: number }[];
      rows: { cells: unknown[]; object: { kind: string; metadata: { name: string } } }[];
    }>();
    expect(table.kind).toBe("Table");
    expect(table.apiVersion).toBe("meta.k8s.io/v1");
    expect(table.metadata.resourceVersion).toBe(harness.store.resourceVersion);
    expect(table.columnDefinitions.filter((c) => c.priority === 0).map((c) => c.name)).toEqual([
      "Name",
      "Ready",
      "Status",
      "Restarts",
      "Age",
    ]);
    expect(table.rows.map((r) => r.cells.slice(0, 4))).toEqual([
      ["a", "0/1", "Pending", "0"],
      ["b", "0/1", "Pending", "0"],
      ["c", "0/1", "Pending", "0"],
    ]);
    expect(table.rows[0]?.object).toMatchObject({ kind: "PartialObjectMetadata", metadata: { name: "a" } });

    const full = (
      await call(harness, "GET", `${PODS}/b?includeObject=Object`, { headers: { Accept: TABLE_ACCEPT } })
    ).json<{
      rows: { object: { kind: string; spec: unknown } }[];
    }>();
    expect(full.rows).toHaveLength(1);
    expect(full.rows[0]?.object).toMatchObject({ kind: "Pod", spec: { containers: [{ name: "etcd" }] } });
  });

  it("marks a pod Terminating on a graceful delete and removes it at once with gracePeriodSeconds=0", async () => {
    const graceful = await call(harness, "DELETE", `${PODS}/b`, { body: { propagationPolicy: "Background" } });
    expect(graceful.status).toBe(200);
    expect(graceful.json()).toMatchObject({ kind: "Pod", metadata: { name: "b", deletionGracePeriodSeconds: 30 } });
    const table = (await call(harness, "GET", `${PODS}/b`, { headers: { Accept: TABLE_ACCEPT } })).json<{
      rows: { cells: unknown[] }[];
    }>();
    expect(table.rows[0]?.cells[2]).toBe("Terminating");

    const forced = await call(harness, "DELETE", `${PODS}/c?gracePeriodSeconds=0`);
    expect(forced.status).toBe(200);
    expect(forced.json()).toMatchObject({ kind: "Status", status: "Success", details: { name: "c", kind: "pods" } });
    expect(harness.store.get("pods", "default", "c")).toBeUndefined();

    expect((await call(harness, "DELETE", `${PODS}/c`)).status).toBe(404);
    expect((await call(harness, "DELETE", `${PODS}/a`, { body: { propagationPolicy: "Sideways" } })).status).toBe(400);
  });

  it("lists pods of all namespaces and selects them by phase", async () => {
    harness.store.create("pods", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "sys", namespace: "kube-system" },
      spec: { containers: [{ name: "x", image: "x" }] },
      status: { phase: "Running" },
    });
    const all = (await call(harness, "GET", "/api/v1/pods")).json<{ items: { metadata: { name: string } }[] }>();
    expect(all.items.map((p) => p.metadata.name)).toEqual(["a", "b", "sys"]);
    const running = (await call(harness, "GET", "/api/v1/pods?fieldSelector=status.phase%3DRunning")).json<{
      items: { metadata: { name: string } }[];
    }>();
    expect(running.items.map((p) => p.metadata.name)).toEqual(["sys"]);
  });
});
