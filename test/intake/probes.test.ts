import request from "supertest";
import { describe, expect, it } from "vitest";
import { createProbeApp } from "../../src/intake/probes.js";
import { createMetrics } from "../../src/core/metrics.js";
import { capturingLogger } from "../support/capturing-logger.js";
import { errorOf } from "../support/api-bodies.js";
import { intakeHarness } from "../support/intake-harness.js";
import { queueUnavailable } from "../support/in-memory-queue.js";

// HTTP-contract tests over the in-memory queue and modes of ./fixtures.

describe("intake probes", () => {
  it("GET /healthz answers while the process runs, even without Redis", async () => {
    const { app, queue } = intakeHarness();
    queue.failWith = queueUnavailable();
    const answer = await request(app).get("/healthz");
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: "ok" });
  });

  it("GET /readyz answers 200 when Redis answers and 503 when it does not", async () => {
    const { app, queue } = intakeHarness();
    const ready = await request(app).get("/readyz");
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: "ready" });
    queue.failWith = new Error("connect ECONNREFUSED 127.0.0.1:6379");
    const unready = await request(app).get("/readyz");
    expect(unready.status).toBe(503);
    expect(unready.body).toEqual({ error: "redis unreachable: connect ECONNREFUSED 127.0.0.1:6379" });
    queue.failWith = queueUnavailable();
    const typed = await request(app).get("/readyz");
    expect(typed.status).toBe(503);
    expect(errorOf(typed.body)).toMatch(
      /^redis unreachable: cannot queue a recovery: Redis at 127\.0\.0\.1:6379 is unreachable/,
    );
  });

  it("GET /readyz answers 503 when Redis does not answer in time", async () => {
    const { app, queue } = intakeHarness({ readyTimeoutMs: 50 });
    queue.ping = () => new Promise<void>(() => {});
    const answer = await request(app).get("/readyz");
    expect(answer.status).toBe(503);
    expect(answer.body).toEqual({ error: "redis unreachable: no answer within 50 ms" });
  });

  it("GET /metrics serves the Prometheus text with process and service metrics", async () => {
    const { app } = intakeHarness();
    await request(app).get("/healthz");
    const answer = await request(app).get("/metrics");
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(answer.text).toContain("process_cpu_user_seconds_total");
    expect(answer.text).toContain("nodejs_eventloop_lag_seconds");
    expect(answer.text).toContain('etcd_responder_http_requests_total{route="/healthz",method="GET",code="200"} 1');
    expect(answer.text).toContain("# TYPE etcd_responder_http_request_duration_seconds histogram");
  });
});

describe("createProbeApp", () => {
  it("serves /healthz, /readyz and /metrics only", async () => {
    let up = false;
    const metrics = createMetrics();
    const app = createProbeApp({
      metrics,
      ready: () => (up ? Promise.resolve() : Promise.reject(new Error("the worker has not connected to Redis yet"))),
      unreadyPrefix: "worker not ready",
    });
    expect((await request(app).get("/healthz")).body).toEqual({ status: "ok" });
    const before = await request(app).get("/readyz");
    expect(before.status).toBe(503);
    expect(before.body).toEqual({ error: "worker not ready: the worker has not connected to Redis yet" });
    up = true;
    expect((await request(app).get("/readyz")).status).toBe(200);
    expect((await request(app).get("/metrics")).text).toContain("etcd_responder_recoveries_total");
    const alerts = await request(app).post("/v1/alerts").send({});
    expect(alerts.status).toBe(404);
    expect(alerts.body).toEqual({ error: "no route POST /v1/alerts; the API is described in openapi.yaml" });
  });

  it("answers with the generic prefix and a ready function that throws synchronously", async () => {
    const app = createProbeApp({
      metrics: createMetrics(),
      ready: () => {
        throw new Error("boom");
      },
    });
    const answer = await request(app).get("/readyz");
    expect(answer.status).toBe(503);
    expect(answer.body).toEqual({ error: "not ready: boom" });
  });

  it("logs its requests through a child logger named probes", async () => {
    const { logger, lines } = capturingLogger();
    const app = createProbeApp({ metrics: createMetrics(), ready: async () => {}, logger });
    await request(app).get("/nope");
    expect(lines()).toContainEqual(
      expect.objectContaining({ name: "probes", msg: "request", route: "unmatched", status: 404 }),
    );
  });
});
