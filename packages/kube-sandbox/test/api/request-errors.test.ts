import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/api/object-store.js";
import type { PodRuntime } from "../../src/pod-runtime.js";
import { startHarness, type ApiHarness } from "./api-harness.js";
import { call } from "./https-client.js";

const CM_PATH = "/api/v1/namespaces/default/configmaps";

describe("requests the server refuses", () => {
  let harness: ApiHarness;
  beforeAll(async () => {
    const broken: PodRuntime = {
      readLog: () => {
        throw new Error("the kubelet fell over");
      },
      exec: () => Promise.resolve(0),
    };
    harness = await startHarness({ runtime: broken });
    harness.store.create("pods", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p", namespace: "default" },
      spec: { containers: [{ name: "c", image: "i" }] },
    });
  });
  afterAll(async () => {
    await harness?.close();
  });

  it("answers unknown paths and resources with a 404 Status", async () => {
    for (const path of [
      "/nothing",
      "/api/v2/pods",
      "/api/v1/widgets",
      "/apis/apps/v1/namespaces/default/widgets",
      "/api/v1/pods/p",
      "/api/v1/namespaces/default/pods/p/attach",
    ]) {
      const answer = await call(harness, "GET", path);
      expect([path, answer.status]).toEqual([path, 404]);
      expect(answer.json()).toMatchObject({
        kind: "Status",
        status: "Failure",
        reason: "NotFound",
        message: "the server could not find the requested resource",
      });
    }
  });

  it("answers a method a path does not serve with 405", async () => {
    expect((await call(harness, "POST", "/version")).status).toBe(405);
    expect((await call(harness, "POST", "/api/v1/namespaces/default/pods/p")).status).toBe(405);
    const answer = await call(harness, "POST", "/api/v1/pods", { body: {} });
    expect(answer.status).toBe(405);
    expect(answer.json()).toMatchObject({ reason: "MethodNotAllowed" });
  });

  it("answers malformed JSON with 400 BadRequest", async () => {
    const answer = await call(harness, "POST", CM_PATH, { body: '{"metadata": {"name": ' });
    expect(answer.status).toBe(400);
    expect(answer.json()).toMatchObject({ kind: "Status", reason: "BadRequest" });
    expect((await call(harness, "POST", CM_PATH, { body: "[1,2]" })).status).toBe(400);
    expect((await call(harness, "GET", `${CM_PATH}?labelSelector=${encodeURIComponent("a in (b")}`)).status).toBe(400);
  });

  it("refuses a body over 3 MiB with 413", async () => {
    const big = JSON.stringify({ metadata: { name: "big" }, data: { blob: "x".repeat(3 * 1024 * 1024) } });
    const answer = await call(harness, "POST", CM_PATH, { body: big });
    expect(answer.status).toBe(413);
    expect(answer.json()).toMatchObject({ reason: "RequestEntityTooLarge" });
    expect(harness.store.get("configmaps", "default", "big")).toBeUndefined();
  });

  it("refuses an apply without fieldManager and force on other patches (422), unknown patch types (415)", async () => {
    await call(harness, "POST", CM_PATH, { body: { metadata: { name: "patchme" } } });
    const apply = await call(harness, "PATCH", `${CM_PATH}/patchme`, {
      body: "metadata:\n  labels: {a: b}\n",
      headers: { "Content-Type": "application/apply-patch+yaml" },
    });
    expect(apply.status).toBe(422);
    expect(apply.json()).toMatchObject({
      kind: "Status",
      reason: "Invalid",
      message: 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      details: {
        group: "meta.k8s.io",
        kind: "PatchOptions",
        causes: [{ reason: "FieldValueRequired", field: "fieldManager" }],
      },
    });
    const forced = await call(harness, "PATCH", `${CM_PATH}/patchme?force=true`, {
      body: { data: { a: "b" } },
      headers: { "Content-Type": "application/merge-patch+json" },
    });
    expect(forced.status).toBe(422);
    expect(forced.json()).toMatchObject({
      message: 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
    });
    expect(
      (await call(harness, "PATCH", `${CM_PATH}/patchme`, { body: {}, headers: { "Content-Type": "text/plain" } }))
        .status,
    ).toBe(415);
  });

  it("applies JSON patches and answers a failed test with 422", async () => {
    await call(harness, "POST", CM_PATH, { body: { metadata: { name: "jp" }, data: { a: "1" } } });
    const headers = { "Content-Type": "application/json-patch+json" };
    const ok = await call(harness, "PATCH", `${CM_PATH}/jp`, {
      headers,
      body: [
        { op: "test", path: "/data/a", value: "1" },
        { op: "replace", path: "/data/a", value: "2" },
        { op: "add", path: "/metadata/labels", value: { x: "y" } },
      ],
    });
    expect(ok.status).toBe(200);
    expect(ok.json()).toMatchObject({ data: { a: "2" }, metadata: { labels: { x: "y" } } });

    const failed = await call(harness, "PATCH", `${CM_PATH}/jp`, {
      headers,
      body: [{ op: "test", path: "/data/a", value: "1" }],
    });
    expect(failed.status).toBe(422);
    expect(failed.json()).toMatchObject({ kind: "Status", reason: "Invalid" });
    expect((await call(harness, "PATCH", `${CM_PATH}/jp`, { headers, body: { op: "add" } })).status).toBe(400);
  });

  it("merges containers by name with a strategic merge patch", async () => {
    const deploy = {
      metadata: { name: "smp" },
      spec: {
        selector: { matchLabels: { app: "smp" } },
        template: {
          metadata: { labels: { app: "smp" } },
          spec: {
            containers: [
              { name: "a", image: "a:1" },
              { name: "b", image: "b:1" },
            ],
          },
        },
      },
    };
    expect((await call(harness, "POST", "/apis/apps/v1/namespaces/default/deployments", { body: deploy })).status).toBe(
      201,
    );
    const patched = await call(harness, "PATCH", "/apis/apps/v1/namespaces/default/deployments/smp", {
      headers: { "Content-Type": "application/strategic-merge-patch+json" },
      body: {
        spec: {
          template: {
            spec: {
              "$setElementOrder/containers": [{ name: "b" }, { name: "a" }],
              containers: [{ name: "b", image: "b:2" }],
            },
          },
        },
      },
    });
    expect(patched.status).toBe(200);
    const containers = patched.json<KubeObject>().spec as {
      template: { spec: { containers: { name: string; image: string }[] } };
    };
    expect(containers.template.spec.containers.map((c) => `${c.name}=${c.image}`)).toEqual(["b=b:2", "a=a:1"]);
  });

  it("validates but stores nothing on dryRun=All", async () => {
    const answer = await call(harness, "POST", `${CM_PATH}?dryRun=All`, {
      body: { metadata: { name: "dry" }, data: { a: "1" } },
    });
    expect(answer.status).toBe(201);
    expect(answer.json()).toMatchObject({ metadata: { name: "dry" } });
    expect(harness.store.get("configmaps", "default", "dry")).toBeUndefined();
    const invalid = await call(harness, "POST", `${CM_PATH}?dryRun=All`, { body: { metadata: { name: "Bad Name" } } });
    expect(invalid.status).toBe(422);
  });

  it("answers JSON to clients that prefer protobuf", async () => {
    const answer = await call(harness, "GET", CM_PATH, {
      headers: { Accept: "application/vnd.kubernetes.protobuf,application/json" },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toBe("application/json");
    expect(answer.json()).toMatchObject({ kind: "ConfigMapList", apiVersion: "v1" });
  });

  it("answers a failing handler with a 500 Status and logs it with the path", async () => {
    const answer = await call(harness, "GET", "/api/v1/namespaces/default/pods/p/log");
    expect(answer.status).toBe(500);
    expect(answer.json()).toMatchObject({ kind: "Status", reason: "InternalError" });
    const logged = harness.logLines.find(
      (l) => l.level === "error" && l.path === "/api/v1/namespaces/default/pods/p/log",
    );
    expect(logged).toBeDefined();
    // The server is still up.
    expect((await call(harness, "GET", "/healthz")).text).toBe("ok");
  });

  it("logs every request at debug level", async () => {
    await call(harness, "GET", "/api/v1/namespaces/default/configmaps?limit=500");
    expect(harness.logLines).toContainEqual(
      expect.objectContaining({
        level: "debug",
        method: "GET",
        path: "/api/v1/namespaces/default/configmaps",
        code: 200,
      }),
    );
  });
});
