import { describe, expect, it } from "vitest";
import { createMetrics } from "../../src/core/metrics.js";

describe("createMetrics", () => {
  it("has the default process metrics and every service metric, in its own registry", async () => {
    const first = createMetrics();
    const second = createMetrics();
    first.countAlerts("ignored", 2);
    const text = await first.render();
    expect(text).toContain("process_resident_memory_bytes");
    for (const name of [
      "etcd_responder_alerts_total",
      "etcd_responder_http_requests_total",
      "etcd_responder_http_request_duration_seconds",
      "etcd_responder_recoveries_total",
      "etcd_responder_recovery_duration_seconds",
      "etcd_responder_queue_waiting",
      "etcd_responder_circuit_breaker_trips_total",
      "etcd_responder_cluster_mode",
    ]) {
      expect(text).toContain(`# HELP ${name} `);
    }
    expect(text).toContain('etcd_responder_alerts_total{result="ignored"} 2');
    expect(await second.render()).toContain('etcd_responder_alerts_total{result="ignored"} 0');
  });

  it("records HTTP requests, recoveries and circuit breaker trips with their labels", async () => {
    const metrics = createMetrics();
    metrics.observeHttpRequest({ route: "/v1/alerts", method: "POST", code: 202 }, 0.003);
    metrics.observeRecovery({ cluster: "example", namespace: "default", outcome: "succeeded" }, 42);
    metrics.observeRecovery({ cluster: "example", namespace: "default", outcome: "refused" }, 3);
    metrics.countCircuitBreakerTrip("example");
    const text = await metrics.render();
    expect(text).toContain('etcd_responder_http_requests_total{route="/v1/alerts",method="POST",code="202"} 1');
    expect(text).toContain(
      'etcd_responder_http_request_duration_seconds_bucket{le="0.005",route="/v1/alerts",method="POST"} 1',
    );
    expect(text).toContain(
      'etcd_responder_recoveries_total{cluster="example",namespace="default",outcome="succeeded"} 1',
    );
    expect(text).toContain(
      'etcd_responder_recovery_duration_seconds_bucket{le="60",cluster="example",outcome="succeeded"} 1',
    );
    expect(text).toContain(
      'etcd_responder_recovery_duration_seconds_bucket{le="30",cluster="example",outcome="succeeded"} 0',
    );
    expect(text).toContain('etcd_responder_circuit_breaker_trips_total{cluster="example"} 1');
  });

  it("reads the queue and the modes at scrape time", async () => {
    let counts: Record<string, number> = { "default/example": 2, "prod/main": 1 };
    const metrics = createMetrics({
      waitingCounts: () => Promise.resolve(counts),
      clusterModes: () =>
        Promise.resolve([{ cluster: "example", namespace: "default", mode: "observe", source: "circuit-breaker" }]),
    });
    let text = await metrics.render();
    expect(text).toContain('etcd_responder_queue_waiting{cluster="default/example"} 2');
    expect(text).toContain('etcd_responder_queue_waiting{cluster="prod/main"} 1');
    expect(text).toContain('etcd_responder_cluster_mode{cluster="example",namespace="default",mode="observe"} 1');
    expect(text).toContain('etcd_responder_cluster_mode{cluster="example",namespace="default",mode="act"} 0');
    expect(text).toContain('etcd_responder_cluster_mode{cluster="example",namespace="default",mode="paused"} 0');
    counts = { "default/example": 0 };
    text = await metrics.render();
    // A cluster that is gone from the counts leaves no stale series.
    expect(text).not.toContain('cluster="prod/main"');
    expect(text).toContain('etcd_responder_queue_waiting{cluster="default/example"} 0');
  });

  it("still answers a scrape when a source fails or hangs", async () => {
    const metrics = createMetrics({
      waitingCounts: () => Promise.reject(new Error("redis unreachable")),
      clusterModes: () => new Promise(() => {}),
      sourceTimeoutMs: 50,
    });
    const text = await metrics.render();
    expect(text).toContain("# TYPE etcd_responder_queue_waiting gauge");
    expect(text).not.toContain("etcd_responder_queue_waiting{");
    expect(text).not.toContain("etcd_responder_cluster_mode{");
  });
});
