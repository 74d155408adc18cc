import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type ApiHarness } from "./api-harness.js";
import { call } from "./https-client.js";

describe("discovery and health", () => {
  let harness: ApiHarness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness?.close();
  });

  it("answers /version as Kubernetes 1.32", async () => {
    const answer = await call(harness, "GET", "/version");
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toBe("application/json");
    expect(answer.json()).toMatchObject({ major: "1", minor: "32", gitVersion: "v1.32.0-sandbox" });
  });

  it("answers health checks with ok", async () => {
    for (const path of ["/healthz", "/readyz", "/livez", "/readyz/ping"]) {
      const answer = await call(harness, "GET", path);
      expect([path, answer.status, answer.text]).toEqual([path, 200, "ok"]);
    }
  });

  it("serves legacy discovery of the core and named groups", async () => {
    expect((await call(harness, "GET", "/api")).json()).toMatchObject({ kind: "APIVersions", versions: ["v1"] });
    const groups = (await call(harness, "GET", "/apis")).json<{
      groups: { name: string; preferredVersion: { groupVersion: string } }[];
    }>();
    expect(groups.groups.map((g) => g.name)).toEqual([
      "apps",
      "coordination.k8s.io",
      "storage.k8s.io",
      "discovery.k8s.io",
      "rbac.authorization.k8s.io",
      "authorization.k8s.io",
      "authentication.k8s.io",
    ]);
    expect(groups.groups[0]?.preferredVersion.groupVersion).toBe("apps/v1");
    expect((await call(harness, "GET", "/apis/apps")).json()).toMatchObject({ kind: "APIGroup", name: "apps" });
  });

  it("lists every resource before any subresource", async () => {
    const core = (await call(harness, "GET", "/api/v1")).json<{
      resources: { name: string; kind: string; namespaced: boolean; singularName: string; shortNames?: string[] }[];
    }>();
    const names = core.resources.map((r) => r.name);
    const firstSub = names.findIndex((n) => n.includes("/"));
    expect(names.slice(firstSub).every((n) => n.includes("/"))).toBe(true);
    expect(names).toEqual(
      expect.arrayContaining(["pods", "pods/log", "pods/exec", "pods/status", "namespaces", "events"]),
    );
    expect(core.resources.find((r) => r.name === "namespaces")?.namespaced).toBe(false);

    const apps = (await call(harness, "GET", "/apis/apps/v1")).json<{
      groupVersion: string;
      resources: Record<string, unknown>[];
    }>();
    expect(apps.groupVersion).toBe("apps/v1");
    expect(apps.resources.find((r) => r.name === "deployments/scale")).toMatchObject({
      group: "autoscaling",
      version: "v1",
      kind: "Scale",
    });
    expect(apps.resources.find((r) => r.name === "deployments")).toMatchObject({
      shortNames: ["deploy"],
      categories: ["all"],
    });
    const revisions = apps.resources.find((r) => r.name === "controllerrevisions");
    expect(revisions).toMatchObject({ kind: "ControllerRevision", namespaced: true });
    // Not in `kubectl get all`, as in Kubernetes.
    expect(revisions).not.toHaveProperty("categories");
    const leases = (await call(harness, "GET", "/apis/coordination.k8s.io/v1")).json<{
      resources: { name: string }[];
    }>();
    expect(leases.resources.map((r) => r.name)).toEqual(["leases"]);
    expect(core.resources.find((r) => r.name === "endpoints")).toMatchObject({
      kind: "Endpoints",
      singularName: "endpoints",
      shortNames: ["ep"],
    });
    const slices = (await call(harness, "GET", "/apis/discovery.k8s.io/v1")).json<{
      resources: Record<string, unknown>[];
    }>();
    expect(slices.resources).toEqual([
      expect.objectContaining({ name: "endpointslices", kind: "EndpointSlice", namespaced: true }),
    ]);
  });

  it("serves OpenAPI v3 and v2 (see openapi/openapi-serving.test.ts)", async () => {
    expect((await call(harness, "GET", "/openapi/v3")).status).toBe(200);
    expect((await call(harness, "GET", "/openapi/v2")).status).toBe(200);
  });

  it("starts with the namespaces every cluster has", async () => {
    const list = (await call(harness, "GET", "/api/v1/namespaces")).json<{
      kind: string;
      items: { metadata: { name: string } }[];
    }>();
    expect(list.kind).toBe("NamespaceList");
    expect(list.items.map((n) => n.metadata.name)).toEqual([
      "default",
      "kube-node-lease",
      "kube-public",
      "kube-system",
    ]);
  });
});
