import { describe, expect, it } from "vitest";
import { CrashBackoff, crashLoopMessage, formatGoDuration } from "../../src/kubelet/crash-backoff.js";

describe("CrashBackoff", () => {
  it("restarts the first crash at once, then doubles from the base up to 30× base", () => {
    const backoff = new CrashBackoff(1000);
    const delays = Array.from({ length: 9 }, () => backoff.nextDelay(10));
    expect(delays).toEqual([0, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it("starts over after a run longer than 60× base", () => {
    const backoff = new CrashBackoff(100);
    expect([backoff.nextDelay(1), backoff.nextDelay(1), backoff.nextDelay(1)]).toEqual([0, 100, 200]);
    expect(backoff.nextDelay(6000)).toBe(400);
    expect(backoff.nextDelay(6001)).toBe(0);
    expect(backoff.nextDelay(1)).toBe(100);
  });

  it("rejects a base that is not positive", () => {
    expect(() => new CrashBackoff(0)).toThrow(RangeError);
  });
});

describe("formatGoDuration", () => {
  it("prints durations as Go does", () => {
    expect(formatGoDuration(0)).toBe("0s");
    expect(formatGoDuration(100)).toBe("100ms");
    expect(formatGoDuration(1000)).toBe("1s");
    expect(formatGoDuration(1500)).toBe("1.5s");
    expect(formatGoDuration(10_000)).toBe("10s");
    expect(formatGoDuration(60_000)).toBe("1m0s");
    expect(formatGoDuration(300_000)).toBe("5m0s");
    expect(formatGoDuration(90_500)).toBe("1m30.5s");
    expect(formatGoDuration(3_600_000)).toBe("1h0m0s");
  });

  it("writes the CrashLoopBackOff message", () => {
    expect(crashLoopMessage(2000, "etcd", "etcd-0_default(u1)")).toBe(
      "back-off 2s restarting failed container=etcd pod=etcd-0_default(u1)",
    );
  });
});
