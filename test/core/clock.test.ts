import { describe, expect, it } from "vitest";
import { backoffDelay, systemClock } from "../../src/core/clock.js";

describe("backoffDelay", () => {
  it("starts at the first pause, doubles after each failure and stops at the longest", () => {
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, 100, 1000))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it("never pauses less than the first pause, whatever the attempt number", () => {
    expect(backoffDelay(0, 250, 2000)).toBe(250);
    expect(backoffDelay(-3, 250, 2000)).toBe(250);
  });
});

describe("systemClock.sleep", () => {
  it("returns at once when aborted, before or during the sleep", async () => {
    const aborted = new AbortController();
    aborted.abort();
    const before = Date.now();
    await systemClock.sleep(60_000, aborted.signal);
    const during = new AbortController();
    const sleeping = systemClock.sleep(60_000, during.signal);
    during.abort();
    await sleeping;
    expect(Date.now() - before).toBeLessThan(5_000);
  });
});
