import { afterEach, describe, expect, it } from "vitest";
import { ObjectStore } from "../../src/api/object-store.js";
import { startMetricsServer, type MetricsServer } from "../../src/metrics/metrics-server.js";
import { parseExposition } from "../../src/metrics/parse-exposition.js";

const servers: MetricsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe("startMetricsServer", () => {
  it("serves the store's metrics, a health check, and 404 for anything else", async () => {
    const store = new ObjectStore();
    const server = await startMetricsServer({ store });
    servers.push(server);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);

    store.create("pods", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p", namespace: "etcd" },
      spec: {},
      status: { phase: "Running" },
    });
    const metrics = await fetch(server.url);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const families = parseExposition(await metrics.text());
    expect(
      families.find((f) => f.name === "kube_pod_status_phase")?.samples.find((s) => s.value === 1)?.labels,
    ).toMatchObject({ pod: "p", phase: "Running" });

    const health = await fetch(server.url.replace(/\/metrics$/, "/healthz"));
    expect(health.status).toBe(200);
    expect(await health.text()).toBe("ok");

    const missing = await fetch(server.url.replace(/\/metrics$/, "/other"));
    expect(missing.status).toBe(404);
    await missing.text();
  });

  it("closes even with a scraper's keep-alive connection open", async () => {
    const server = await startMetricsServer({ store: new ObjectStore() });
    await (await fetch(server.url, { headers: { connection: "keep-alive" } })).text();
    await server.close();
    await expect(fetch(server.url)).rejects.toThrow();
  });
});
