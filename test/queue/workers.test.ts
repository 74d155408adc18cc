import { describe, expect, it } from "vitest";
import { parseConfig, type ResponderConfig } from "../../src/core/config/load.js";
import { createClusterModes } from "../../src/queue/cluster-modes.js";
import { RecoveryInterruptedError } from "../../src/core/errors.js";
import { systemClock } from "../../src/core/clock.js";
import { createRecoveryQueue } from "../../src/queue/bullmq-queue.js";
import { startRecoveryWorkers, type RecoveryWorkers } from "../../src/queue/workers.js";
import type { RecoveryQueue, RecoveryRecord } from "../../src/queue/recovery-queue.js";
import type { Logger } from "../../src/core/logger.js";
import { capturingLogger } from "../support/capturing-logger.js";
import { redisForTestFile } from "../support/redis-test-file.js";
import { scriptedRunner, step, testConfig, uniquePrefix, waitFor, requestFor } from "../support/queue.js";

const { redis, closers } = redisForTestFile();

/** A queue, modes and a logger whose lines the test can read, all on a fresh prefix. */
function setUp(name: string, config: ResponderConfig = testConfig()) {
  const prefix = uniquePrefix(name);
  const { logger, lines } = capturingLogger();
  const queue = createRecoveryQueue({ connection: { url: redis.url }, config, prefix, logger });
  const modes = createClusterModes({ connection: { url: redis.url }, config, prefix, logger });
  closers.push(
    () => queue.close(),
    () => modes.close(),
  );
  const start = async (
    run: Parameters<typeof startRecoveryWorkers>[0]["run"],
    more: { hooks?: Parameters<typeof startRecoveryWorkers>[0]["hooks"]; logger?: Logger } = {},
  ) => {
    const workers: RecoveryWorkers = await startRecoveryWorkers({
      connection: { url: redis.url },
      config,
      modes,
      run,
      prefix,
      logger: more.logger ?? logger,
      ...(more.hooks ? { hooks: more.hooks } : {}),
    });
    closers.push(() => workers.close());
    return workers;
  };
  return {
    prefix,
    queue,
    modes,
    start,
    lines,
    config,
    a: config.catalog.cluster("a", "etcd"),
    b: config.catalog.cluster("b", "etcd"),
  };
}

function waitForState(queue: RecoveryQueue, id: string, ...states: RecoveryRecord["state"][]) {
  return waitFor(`recovery ${id} to be ${states.join(" or ")}`, async () => {
    const record = await queue.get(id);
    return record && states.includes(record.state) ? record : undefined;
  });
}

const manual = { kind: "manual" } as const;

describe("modes", () => {
  it("runs a plan in observe mode and keeps it with the recovery", async () => {
    const { queue, modes, start, config, a } = setUp("observe");
    await modes.set(a, "observe", "api", "maintenance");
    const { run, calls } = scriptedRunner(() => ({
      outcome: "succeeded",
      reason: "member 1 is crash-looping",
      steps: [step("diagnose"), step("guard")],
      plan: ["stop member a1", "remove member a1", "add member a1 as a learner"],
    }));
    await start(run);
    const { id } = await queue.enqueue(requestFor(config, "a", 1, manual));
    const record = await waitForState(queue, id, "succeeded", "failed");
    expect(calls).toEqual([{ cluster: "a", member: 1, mode: "observe", call: 1 }]);
    expect(record).toMatchObject({
      state: "succeeded",
      mode: "observe",
      plan: ["stop member a1", "remove member a1", "add member a1 as a learner"],
    });
    expect(record.steps.map((s) => s.name)).toEqual(["diagnose", "guard"]);
  });

  it("skips a paused cluster's recovery without running it", async () => {
    const { queue, modes, start, config, b } = setUp("paused");
    const { run, calls } = scriptedRunner(() => ({ outcome: "succeeded", reason: "recovered", steps: [] }));
    // Paused after the request was queued: the worker reads the mode when it takes the recovery.
    const { id } = await queue.enqueue(requestFor(config, "b", 1, manual));
    await modes.set(b, "paused", "api");
    await start(run);
    const record = await waitForState(queue, id, "skipped", "succeeded", "failed");
    expect(record).toMatchObject({ state: "skipped", reason: "cluster paused", attempts: 1 });
    expect(calls).toEqual([]);
  });

  it("takes a cluster's configured mode when none was set", async () => {
    const config = testConfig(["defaultMode: observe"], ["mode: act"]);
    const { queue, start } = setUp("configured", config);
    const { run, calls } = scriptedRunner(() => ({ outcome: "succeeded", reason: "ok", steps: [], plan: [] }));
    await start(run);
    const a = await queue.enqueue(requestFor(config, "a", 1, manual));
    const b = await queue.enqueue(requestFor(config, "b", 1, manual));
    await waitForState(queue, a.id, "succeeded");
    await waitForState(queue, b.id, "succeeded");
    expect(calls.map((call) => [call.cluster, call.mode]).sort()).toEqual([
      ["a", "act"],
      ["b", "observe"],
    ]);
    expect((await queue.get(b.id))?.mode).toBe("observe");
  });
});

describe("outcomes", () => {
  it("fails for good, without running it, a recovery of a member the configuration no longer has", async () => {
    const { queue, prefix, config } = setUp("unconfigured");
    // The file changed while the recovery was queued: cluster a has two members now.
    const shrunk = parseConfig(
      "clusters:\n  - { name: a, namespace: etcd, members: 2 }\n  - { name: b, namespace: etcd, members: 1 }\n",
      "test.yaml",
    );
    const { run, calls } = scriptedRunner(() => ({ outcome: "succeeded", reason: "recovered", steps: [] }));
    const { logger } = capturingLogger();
    const modes = createClusterModes({ connection: { url: redis.url }, config: shrunk, prefix, logger });
    const workers = await startRecoveryWorkers({
      connection: { url: redis.url },
      config: shrunk,
      modes,
      run,
      prefix,
      logger,
    });
    closers.push(
      () => workers.close(),
      () => modes.close(),
    );
    const { id } = await queue.enqueue(requestFor(config, "a", 3, manual));
    const record = await waitForState(queue, id, "failed", "succeeded");
    expect(record).toMatchObject({ state: "failed", attempts: 1 });
    expect(record.error).toBe("cluster etcd/a has members 1 to 2; there is no member 3");
    expect(calls).toEqual([]);
  });

  it("retries a transient failure with back-off, then succeeds", async () => {
    const { queue, start, config } = setUp("retry");
    const times: number[] = [];
    const { run, calls } = scriptedRunner((call) => {
      times.push(Date.now());
      return call.call === 1
        ? {
            outcome: "failed",
            reason: "step diagnose failed: etcd unreachable",
            steps: [step("diagnose", "failed")],
            retryable: true,
            error: new Error("etcd unreachable"),
          }
        : { outcome: "succeeded", reason: "recovered", steps: [step("diagnose"), step("verify")] };
    });
    await start(run);
    const { id } = await queue.enqueue(requestFor(config, "a", 2, manual));
    const record = await waitForState(queue, id, "succeeded", "failed");
    expect(record).toMatchObject({ state: "succeeded", attempts: 2, reason: "recovered", error: "etcd unreachable" });
    expect(record.steps.map((s) => s.name)).toEqual(["diagnose", "verify"]);
    expect(calls).toHaveLength(2);
    // The configured back-off is 0.1 s for the first retry.
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(90);
  });

  it("fails a non-retryable failure at once", async () => {
    const { queue, start, config } = setUp("unrecoverable");
    const { run, calls } = scriptedRunner(() => ({
      outcome: "failed",
      reason: "step add failed: rejected",
      steps: [step("add", "failed")],
      retryable: false,
      error: new Error("rejected"),
    }));
    await start(run);
    const { id } = await queue.enqueue(requestFor(config, "a", 1, manual));
    const record = await waitForState(queue, id, "failed", "succeeded");
    expect(record).toMatchObject({
      state: "failed",
      attempts: 1,
      reason: "step add failed: rejected",
      error: "rejected",
    });
    expect(calls).toHaveLength(1);
  });

  it("keeps the state a failed recovery left its member in with the record", async () => {
    const { queue, start, config } = setUp("left-changed");
    const leftChanged = "Deployment a-1 is left at 0 replicas and marked as under recovery since 2026-01-01";
    const { run } = scriptedRunner(() => ({
      outcome: "failed",
      reason: `step guard failed: quorum is lost; ${leftChanged}`,
      steps: [step("guard", "failed")],
      retryable: false,
      error: new Error("quorum is lost"),
      leftChanged,
    }));
    await start(run);
    const { id } = await queue.enqueue(requestFor(config, "a", 1, manual));
    const record = await waitForState(queue, id, "failed", "succeeded");
    expect(record).toMatchObject({ state: "failed", leftChanged });
  });

  it("gives up after the configured attempts", async () => {
    const { queue, start, config } = setUp("exhausted");
    const { run, calls } = scriptedRunner(() => ({
      outcome: "failed",
      reason: "still down",
      steps: [],
      retryable: true,
      error: new Error("down"),
    }));
    await start(run);
    const { id } = await queue.enqueue(requestFor(config, "a", 1, manual));
    const record = await waitForState(queue, id, "failed");
    expect(record).toMatchObject({ state: "failed", attempts: 3, reason: "still down" });
    expect(calls).toHaveLength(3);
  });

  it("completes a refusal without retrying it", async () => {
    const { queue, start, config } = setUp("refused");
    const { run, calls } = scriptedRunner(() => ({
      outcome: "refused",
      reason: "quorum is lost",
      steps: [step("diagnose")],
      retryable: false,
      error: new Error("2 of 3 down"),
    }));
    await start(run);
    const { id } = await queue.enqueue(requestFor(config, "a", 1, manual));
    const record = await waitForState(queue, id, "refused", "failed");
    expect(record).toMatchObject({ state: "refused", attempts: 1, reason: "quorum is lost", error: "2 of 3 down" });
    expect(calls).toHaveLength(1);
  });

  it("counts a runner that throws as a transient failure", async () => {
    const { queue, start, config } = setUp("throws");
    let call = 0;
    await start(() => {
      call++;
      if (call === 1) return Promise.reject(new Error("boom"));
      return Promise.resolve({ outcome: "succeeded", reason: "recovered", steps: [] });
    });
    const { id } = await queue.enqueue(requestFor(config, "b", 1, manual));
    const record = await waitForState(queue, id, "succeeded", "failed");
    expect(record).toMatchObject({ state: "succeeded", attempts: 2, error: "boom" });
  });

  it("tells the hooks when recoveries start and end", async () => {
    const { queue, start, config } = setUp("hooks");
    const events: string[] = [];
    const { run } = scriptedRunner((call) =>
      call.call === 1
        ? { outcome: "failed", reason: "transient", steps: [], retryable: true }
        : { outcome: "succeeded", reason: "ok", steps: [] },
    );
    await start(run, {
      hooks: {
        onStarted: (record) => events.push(`started ${record.state} ${record.member}`),
        onFinished: (record, durationMs) => events.push(`finished ${record.state} ${record.member} ${durationMs >= 0}`),
      },
    });
    const { id } = await queue.enqueue(requestFor(config, "a", 3, manual));
    await waitForState(queue, id, "succeeded");
    await waitFor("the last hook call", () => (events.length === 4 ? true : undefined));
    expect(events).toEqual([
      "started running 3",
      "finished queued 3 true",
      "started running 3",
      "finished succeeded 3 true",
    ]);
  });
});

describe("circuit breaker", () => {
  it("puts a cluster in observe after the configured failures, and says so", async () => {
    const config = testConfig(["circuitBreaker: { failures: 2, windowMinutes: 5 }"]);
    const { queue, modes, start, lines, a, b } = setUp("breaker", config);
    const { run, calls } = scriptedRunner((call) =>
      call.mode === "observe"
        ? { outcome: "succeeded", reason: "planned", steps: [], plan: ["replace member"] }
        : { outcome: "failed", reason: "step start failed", steps: [], retryable: false, error: new Error("no") },
    );
    await start(run);
    for (const member of [1, 2]) {
      const { id } = await queue.enqueue(requestFor(config, "a", member, manual));
      await waitForState(queue, id, "failed");
    }
    const state = await modes.get(a);
    expect(state).toMatchObject({
      mode: "observe",
      source: "circuit-breaker",
      reason: "2 failed recoveries within 5 min; set the mode back to act after checking the cluster",
    });
    const warning = await waitFor("the circuit breaker's warning", () =>
      lines().find((line) => line.msg === "circuit breaker put the cluster in observe mode"),
    );
    expect(warning).toMatchObject({ level: "warn", cluster: "etcd/a", mode: "observe", failures: 2 });
    expect((await modes.get(b)).mode).toBe("act");

    // The next recovery of the cluster only plans.
    const { id } = await queue.enqueue(requestFor(config, "a", 3, manual));
    expect(await waitForState(queue, id, "succeeded", "failed")).toMatchObject({
      state: "succeeded",
      mode: "observe",
      plan: ["replace member"],
    });
    expect(calls.at(-1)?.mode).toBe("observe");
  });

  it("does not count refusals or retried attempts", async () => {
    const config = testConfig(["circuitBreaker: { failures: 1, windowMinutes: 5 }"]);
    const { queue, modes, start, a } = setUp("breaker-ignores", config);
    const { run } = scriptedRunner((call) =>
      call.member === 1
        ? { outcome: "refused", reason: "unsafe", steps: [], retryable: false }
        : call.call === 1
          ? { outcome: "failed", reason: "transient", steps: [], retryable: true }
          : { outcome: "succeeded", reason: "ok", steps: [] },
    );
    await start(run);
    const refused = await queue.enqueue(requestFor(config, "a", 1, manual));
    const retried = await queue.enqueue(requestFor(config, "a", 2, manual));
    await waitForState(queue, refused.id, "refused");
    await waitForState(queue, retried.id, "succeeded");
    expect(await modes.get(a)).toMatchObject({ mode: "act", source: "config" });
  });
});

describe("shutdown", () => {
  it("interrupts a running recovery at close and leaves it queued for the next worker to resume", async () => {
    const { queue, start, lines, config } = setUp("shutdown");
    const signals: boolean[] = [];
    const first = await start(async (_request, progress, signal) => {
      progress.onStep(step("lock"));
      await systemClock.sleep(20_000, signal);
      signals.push(signal.aborted);
      return {
        outcome: "failed",
        reason: "interrupted; run again to resume",
        steps: [step("lock")],
        retryable: true,
        error: new RecoveryInterruptedError("snapshot"),
      };
    });
    const { id } = await queue.enqueue(requestFor(config, "a", 1, manual));
    await waitForState(queue, id, "running");
    const closedAt = Date.now();
    await first.close();
    expect(Date.now() - closedAt).toBeLessThan(5_000);
    expect(signals).toEqual([true]);
    const queued = await queue.get(id);
    expect(queued).toMatchObject({ state: "queued" });
    expect(queued?.error).toContain("interrupted");
    // Put back to wait rather than failed: shutting down is not a failed attempt.
    expect(lines().some((line) => line.msg === "recovery interrupted by shutdown; queued again to resume")).toBe(true);
    expect(lines().some((line) => line.msg === "recovery attempt failed; retrying after back-off")).toBe(false);

    const { run, calls } = scriptedRunner(() => ({
      outcome: "succeeded",
      reason: "resumed and recovered",
      steps: [step("lock"), step("verify")],
    }));
    await start(run);
    expect(await waitForState(queue, id, "succeeded", "failed")).toMatchObject({
      state: "succeeded",
      reason: "resumed and recovered",
    });
    expect(calls).toHaveLength(1);
  });
});

describe("alerts about a member recovered since", () => {
  it("joins an alert that started before the member's last recovery to it, queues one that started after", async () => {
    const { queue, start, config } = setUp("recovered-since");
    const { run, calls } = scriptedRunner(() => ({
      outcome: "succeeded",
      reason: "recovered",
      steps: [step("verify")],
    }));
    await start(run);
    const alert = (startsAt: Date) =>
      ({
        kind: "alert",
        alertname: "KubePodCrashLooping",
        fingerprint: "f1",
        receiver: "etcd-responder",
        pod: "a-2-x-y",
        startsAt: startsAt.toISOString(),
      }) as const;
    const firedAt = new Date(Date.now() - 60_000);
    const first = await queue.enqueue(requestFor(config, "a", 2, alert(firedAt)));
    expect(first.deduplicated).toBe(false);
    await waitForState(queue, first.id, "succeeded");

    // Alertmanager repeats the same alert (same startsAt) until it resolves: already handled.
    const repeat = await queue.enqueue(requestFor(config, "a", 2, alert(firedAt)));
    expect(repeat).toMatchObject({ id: first.id, deduplicated: true });
    // Manual requests and alerts that started after the recovery still queue a new one.
    const later = await queue.enqueue(requestFor(config, "a", 2, alert(new Date(Date.now() + 1000))));
    expect(later.deduplicated).toBe(false);
    expect(later.id).not.toBe(first.id);
    await waitForState(queue, later.id, "succeeded");
    expect(calls).toHaveLength(2);
  });

  it("joins the repeats of an alert about a member found healthy to that recovery, however many", async () => {
    const { queue, start, config } = setUp("healthy-since");
    const { run, calls } = scriptedRunner(() => ({
      outcome: "skipped",
      reason: "already healthy",
      steps: [step("diagnose")],
    }));
    await start(run);
    const alert = {
      kind: "alert",
      alertname: "KubePodCrashLooping",
      fingerprint: "f2",
      receiver: "etcd-responder",
      pod: "a-3-x-y",
      startsAt: new Date(Date.now() - 60_000).toISOString(),
    } as const;
    const first = await queue.enqueue(requestFor(config, "a", 3, alert));
    await waitForState(queue, first.id, "skipped");
    // A storm of the same alert (same startsAt) after the member was found healthy: no new recovery.
    for (let i = 0; i < 20; i++) {
      expect(await queue.enqueue(requestFor(config, "a", 3, alert))).toMatchObject({
        id: first.id,
        deduplicated: true,
      });
    }
    expect(calls).toHaveLength(1);
    // A request made by hand still runs.
    const manualRequest = await queue.enqueue(requestFor(config, "a", 3, manual));
    expect(manualRequest.deduplicated).toBe(false);
    await waitForState(queue, manualRequest.id, "skipped");
    expect(calls).toHaveLength(2);
  });
});
