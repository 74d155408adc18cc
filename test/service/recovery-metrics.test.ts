import { parseConfig } from "../../src/core/config/load.js";
import { describe, expect, it } from "vitest";
import type { ClusterModes } from "../../src/queue/cluster-modes.js";
import { createMetrics } from "../../src/core/metrics.js";
import type { RecoveryRecord } from "../../src/queue/recovery-queue.js";
import { countingCircuitBreakerTrips, recoveryMetricsHooks } from "../../src/service/worker.js";

function record(state: RecoveryRecord["state"]): RecoveryRecord {
  return {
    id: "r",
    cluster: "example",
    namespace: "etcd",
    member: 1,
    state,
    mode: "act",
    trigger: { kind: "manual" },
    createdAt: "2026-01-01T00:00:00.000Z",
    attempts: 1,
    steps: [],
  };
}

describe("recovery metrics of the worker", () => {
  it("records finished recoveries by outcome, not attempts that will be retried", async () => {
    const metrics = createMetrics();
    const hooks = recoveryMetricsHooks(metrics);
    hooks.onFinished?.(record("succeeded"), 2500);
    hooks.onFinished?.(record("queued"), 1000);
    hooks.onFinished?.(record("failed"), 500);
    const text = await metrics.render();
    expect(text).toMatch(
      /^etcd_responder_recoveries_total\{cluster="example",namespace="etcd",outcome="succeeded"\} 1$/m,
    );
    expect(text).toMatch(/^etcd_responder_recoveries_total\{cluster="example",namespace="etcd",outcome="failed"\} 1$/m);
    expect(text).not.toMatch(/outcome="queued"/);
    expect(text).toMatch(
      /^etcd_responder_recovery_duration_seconds_sum\{cluster="example",outcome="succeeded"\} 2\.5$/m,
    );
  });

  it("counts a circuit breaker trip where a failure trips it, and passes every call through", async () => {
    const metrics = createMetrics();
    const calls: string[] = [];
    let failures = 0;
    const modes: ClusterModes = {
      get: async ({ namespace, name }) => (
        calls.push("get"),
        { namespace, cluster: name, mode: "act", source: "config" }
      ),
      list: async () => (calls.push("list"), []),
      set: async ({ namespace, name }, mode, source) => (
        calls.push(`set ${mode} ${source}`),
        { namespace, cluster: name, mode, source }
      ),
      recordFailure: async () => ({ failures: ++failures, tripped: failures === 2 }),
    };
    const counting = countingCircuitBreakerTrips(modes, metrics);
    const example = parseConfig("clusters: [{ name: example, namespace: etcd, members: 1 }]\n", "test.yaml").catalog
      .clusters[0]!;
    await counting.get(example);
    await counting.list();
    await counting.set(example, "paused", "api");
    expect(calls).toEqual(["get", "list", "set paused api"]);

    expect(await counting.recordFailure(example)).toEqual({ failures: 1, tripped: false });
    expect(await metrics.render()).not.toMatch(/^etcd_responder_circuit_breaker_trips_total\{/m);
    expect(await counting.recordFailure(example)).toEqual({ failures: 2, tripped: true });
    await counting.recordFailure(example);
    expect(await metrics.render()).toMatch(
      /^etcd_responder_circuit_breaker_trips_total\{cluster="etcd\/example"\} 1$/m,
    );
  });
});
