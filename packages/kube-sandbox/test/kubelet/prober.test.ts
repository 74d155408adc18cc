import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Prober, probeTiming, type ProbeOutcome } from "../../src/kubelet/prober.js";
import type { Probe } from "../../src/kubelet/pod-spec.js";

/** A prober on the fake clock whose attempts answer from `answers` in turn (the last one repeats). */
function fakeProber(probe: Probe, answers: boolean[], attemptMs = 0) {
  const attempts: { at: number; timeoutMs: number }[] = [];
  const results: { at: number; ok: boolean }[] = [];
  const failures: string[] = [];
  const prober = new Prober({
    probe,
    check: async (timeoutMs) => {
      const index = attempts.length;
      attempts.push({ at: Date.now(), timeoutMs });
      if (attemptMs > 0) await new Promise((resolve) => setTimeout(resolve, attemptMs));
      const ok = answers[Math.min(index, answers.length - 1)] ?? false;
      return ok ? { ok, output: "" } : ({ ok, output: `attempt ${index} failed` } satisfies ProbeOutcome);
    },
    onResult: (ok) => results.push({ at: Date.now(), ok }),
    onFailure: (output) => failures.push(output),
  });
  return { prober, attempts, results, failures };
}

describe("probeTiming", () => {
  it("fills in Kubernetes' defaults: no delay, every 10 s, 1 s timeout, 1 success, 3 failures", () => {
    expect(probeTiming({})).toEqual({
      initialDelayMs: 0,
      periodMs: 10_000,
      timeoutMs: 1000,
      successThreshold: 1,
      failureThreshold: 3,
    });
  });

  it("keeps what the probe sets, and raises zero periods, timeouts and thresholds to 1", () => {
    const set = {
      initialDelaySeconds: 4,
      periodSeconds: 2,
      timeoutSeconds: 3,
      successThreshold: 2,
      failureThreshold: 5,
    };
    expect(probeTiming(set)).toEqual({
      initialDelayMs: 4000,
      periodMs: 2000,
      timeoutMs: 3000,
      successThreshold: 2,
      failureThreshold: 5,
    });
    const zeros = { periodSeconds: 0, timeoutSeconds: 0, successThreshold: 0, failureThreshold: 0 };
    expect(probeTiming(zeros)).toMatchObject({
      periodMs: 1000,
      timeoutMs: 1000,
      successThreshold: 1,
      failureThreshold: 1,
    });
  });
});

describe("Prober schedule", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("waits initialDelaySeconds, then attempts every periodSeconds with timeoutSeconds", async () => {
    const { prober, attempts } = fakeProber({ initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 2 }, [true]);
    prober.start();
    await vi.advanceTimersByTimeAsync(4999);
    expect(attempts).toEqual([]);
    await vi.advanceTimersByTimeAsync(30_001);
    expect(attempts).toEqual([5000, 15_000, 25_000, 35_000].map((at) => ({ at, timeoutMs: 2000 })));
    prober.stop();
  });

  it("uses the 10 s default period when the probe sets none", async () => {
    const { prober, attempts } = fakeProber({}, [true]);
    prober.start();
    await vi.advanceTimersByTimeAsync(25_000);
    expect(attempts.map((a) => a.at)).toEqual([0, 10_000, 20_000]);
    prober.stop();
  });

  it("reports failure only after failureThreshold failures in a row, and every failed attempt's output", async () => {
    const { prober, results, failures } = fakeProber({ periodSeconds: 1, failureThreshold: 3 }, [
      false,
      false,
      true,
      false,
      false,
      false,
    ]);
    prober.start();
    await vi.advanceTimersByTimeAsync(5000);
    // The success at 2 s resets the count: the third failure in a row is the one at 5 s.
    expect(results).toEqual([
      { at: 2000, ok: true },
      { at: 5000, ok: false },
    ]);
    expect(failures).toEqual([
      "attempt 0 failed",
      "attempt 1 failed",
      "attempt 3 failed",
      "attempt 4 failed",
      "attempt 5 failed",
    ]);
    prober.stop();
  });

  it("reports success only after successThreshold successes in a row, once per change", async () => {
    const { prober, results } = fakeProber({ periodSeconds: 1, successThreshold: 2, failureThreshold: 1 }, [
      true,
      false,
      true,
      true,
      true,
    ]);
    prober.start();
    await vi.advanceTimersByTimeAsync(4000);
    expect(results).toEqual([
      { at: 1000, ok: false },
      { at: 3000, ok: true },
    ]);
    prober.stop();
  });

  it("starts no attempt while one is still running: a slow attempt delays the next until it ends", async () => {
    const { prober, attempts } = fakeProber({ periodSeconds: 10, timeoutSeconds: 30 }, [true], 15_000);
    prober.start();
    await vi.advanceTimersByTimeAsync(40_000);
    // Each attempt starts as soon as the previous one ended (a zero timer fires a millisecond later).
    const gaps = attempts.slice(1).map((a, i) => a.at - attempts[i]!.at);
    expect(gaps).toHaveLength(2);
    expect(
      gaps.every((gap) => gap >= 15_000 && gap <= 15_001),
      JSON.stringify(gaps),
    ).toBe(true);
    prober.stop();
  });

  it("keeps its schedule when a timer fires late, as the kubelet's ticker does", async () => {
    const { prober, attempts } = fakeProber({ periodSeconds: 1 }, [true]);
    prober.start();
    await vi.advanceTimersByTimeAsync(500);
    // A busy event loop: the clock moves on while no timer runs, so the attempt due at 1 s starts at 1.3 s.
    vi.setSystemTime(Date.now() + 300);
    await vi.advanceTimersByTimeAsync(2300);
    expect(attempts.map((a) => a.at)).toEqual([0, 1300, 2000, 3000]);
    prober.stop();
  });

  it("makes no attempt and reports nothing once stopped", async () => {
    const { prober, attempts, results } = fakeProber({ periodSeconds: 1, failureThreshold: 1 }, [false], 500);
    prober.start();
    await vi.advanceTimersByTimeAsync(100);
    prober.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(attempts).toHaveLength(1);
    expect(results).toEqual([]);
  });
});
