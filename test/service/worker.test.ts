import { describe, expect, it } from "vitest";
import { QueueUnavailableError } from "../../src/core/errors.js";
import type { RecoveryWorkers } from "../../src/queue/workers.js";
import { keepStartingWorkers, countingCircuitBreakerTrips, recoveryMetricsHooks } from "../../src/service/worker.js";
import { capturingLogger } from "../support/capturing-logger.js";
import { joinedPattern } from "../support/pattern.js";
import { waitFor } from "../support/queue.js";
import { parseConfig } from "../../src/core/config/load.js";
import type { ClusterModes } from "../../src/queue/cluster-modes.js";
import { createMetrics } from "../../src/core/metrics.js";
import type { RecoveryRecord } from "../../src/queue/recovery-queue.js";

const unreachable = () =>
  new QueueUnavailableError("start the recovery workers", "127.0.0.1:6379", {
    cause: new Error("not connected within 5 ms"),
  });

function fakeWorkers() {
  let closed = 0;
  const workers: RecoveryWorkers = {
    close: () => {
      closed++;
      return Promise.resolve();
    },
  };
  return { workers, closed: () => closed };
}

describe("keepStartingWorkers", () => {
  it("tries again with growing pauses until the workers start, saying why meanwhile", async () => {
    const { logger, lines } = capturingLogger();
    const { workers } = fakeWorkers();
    let attempts = 0;
    const started: RecoveryWorkers[] = [];
    const starting = keepStartingWorkers({
      logger,
      initialBackoffMs: 5,
      maxBackoffMs: 20,
      start: () => (++attempts < 4 ? Promise.reject(unreachable()) : Promise.resolve(workers)),
      onStarted: (w) => started.push(w),
    });
    expect(starting.running).toBe(false);
    expect(starting.problem).toBe("the recovery workers are starting");
    await waitFor("the workers to start", () => (starting.running ? true : undefined));
    expect(attempts).toBe(4);
    expect(started).toEqual([workers]);
    expect(starting.problem).toBeUndefined();
    const retries = lines().filter((line) => line.msg === "cannot start the recovery workers; trying again");
    expect(retries.map((line) => line.retryInMs)).toEqual([5, 10, 20]);
    expect(lines().some((line) => line.msg === "recovery workers started after Redis became reachable")).toBe(true);
    await starting.stop();
  });

  it("reports the last failure as the problem while it keeps trying", async () => {
    const { logger } = capturingLogger();
    const starting = keepStartingWorkers({
      logger,
      initialBackoffMs: 5,
      start: async () => Promise.reject(unreachable()),
    });
    await waitFor("a failed attempt", () => (starting.problem?.includes("unreachable") ? true : undefined));
    expect(starting.problem).toMatch(
      joinedPattern(
        /^the recovery workers are not running: /,
        /cannot start the recovery workers: Redis at 127\.0\.0\.1:6379 is unreachable/,
      ),
    );
    await starting.stop();
    expect(starting.running).toBe(false);
  });

  it("stops during a pause at once, and closes workers that start after it was stopped", async () => {
    const { logger } = capturingLogger();
    const paused = keepStartingWorkers({
      logger,
      initialBackoffMs: 60_000,
      start: async () => Promise.reject(unreachable()),
    });
    await waitFor("the first attempt to fail", () => (paused.problem?.includes("unreachable") ? true : undefined));
    const began = Date.now();
    await paused.stop();
    expect(Date.now() - began).toBeLessThan(1000);

    const { workers, closed } = fakeWorkers();
    let release: () => void = () => undefined;
    const late = keepStartingWorkers({
      logger,
      start: () => new Promise((resolve) => (release = () => resolve(workers))),
    });
    const stopping = late.stop();
    release();
    await stopping;
    expect(closed()).toBe(1);
    expect(late.running).toBe(false);
  });

  it("does not pause when stopped while an attempt was still failing", async () => {
    const { logger } = capturingLogger();
    let fail: () => void = () => undefined;
    const starting = keepStartingWorkers({
      logger,
      initialBackoffMs: 60_000,
      start: () => new Promise((_, reject) => (fail = () => reject(unreachable()))),
    });
    const stopping = starting.stop();
    fail();
    const began = Date.now();
    await stopping;
    expect(Date.now() - began).toBeLessThan(1000);
    expect(starting.running).toBe(false);
  });

  it("closes the running workers when stopped", async () => {
    const { logger } = capturingLogger();
    const { workers, closed } = fakeWorkers();
    const starting = keepStartingWorkers({ logger, start: () => Promise.resolve(workers) });
    await waitFor("the workers to start", () => (starting.running ? true : undefined));
    await starting.stop();
    await starting.stop();
    expect(closed()).toBe(2);
  });
});

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

  it("counts the recoveries that failed for good after they had changed their member", async () => {
    const metrics = createMetrics();
    const hooks = recoveryMetricsHooks(metrics);
    const leftChanged = "Deployment example-2 is left at 0 replicas and marked as under recovery since 2024-01-02";
    hooks.onFinished?.(record("failed"), 500);
    hooks.onFinished?.({ ...record("failed"), leftChanged }, 500);
    hooks.onFinished?.({ ...record("queued"), leftChanged }, 500);
    const text = await metrics.render();
    expect(text).toMatch(/^etcd_responder_recoveries_left_changed_total\{cluster="example",namespace="etcd"\} 1$/m);
  });

  it("counts a circuit breaker trip where a failure trips it, and passes every call through", async () => {
    const metrics = createMetrics();
    const calls: string[] = [];
    let failures = 0;
    const modes: ClusterModes = {
      get: ({ namespace, name }) => {
        calls.push("get");
        return Promise.resolve({ namespace, cluster: name, mode: "act", source: "config" });
      },
      list: () => {
        calls.push("list");
        return Promise.resolve([]);
      },
      set: ({ namespace, name }, mode, source) => {
        calls.push(`set ${mode} ${source}`);
        return Promise.resolve({ namespace, cluster: name, mode, source });
      },
      recordFailure: () => Promise.resolve({ failures: ++failures, tripped: failures === 2 }),
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
