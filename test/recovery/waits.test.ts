import { describe, expect, it } from "vitest";
import { DeadlineExceededError } from "../../src/core/errors.js";
import { pollUntil, retryRefused } from "../../src/recovery/waits.js";
import { FakeClock } from "../support/fake-clock.js";

describe("pollUntil", () => {
  it("checks until a value comes, pausing between checks", async () => {
    const clock = new FakeClock();
    const start = clock.now();
    let calls = 0;
    const value = await pollUntil(() => Promise.resolve(++calls === 4 ? "ready" : undefined), {
      clock,
      what: "x",
      timeoutMs: 10_000,
      intervalMs: 100,
    });
    expect(value).toBe("ready");
    expect(calls).toBe(4);
    expect(clock.now() - start).toBe(300);
  });

  it("gives up at the deadline, saying what it waited for and what it saw last", async () => {
    const clock = new FakeClock();
    const wait = pollUntil(
      (observe) => {
        observe(`at ${clock.now()}`);
        return Promise.resolve(undefined);
      },
      { clock, what: "member example3 to answer", timeoutMs: 1_000, intervalMs: 300 },
    );
    await expect(wait).rejects.toThrow(DeadlineExceededError);
    await expect(wait).rejects.toThrow(/^gave up after 1 s waiting for member example3 to answer \(last: at \d+\)$/);
  });
});

describe("retryRefused", () => {
  it("retries refusals with doubling pauses up to the maximum, telling each retry", async () => {
    const clock = new FakeClock();
    const start = clock.now();
    const pauses: number[] = [];
    let last = start;
    let attempts = 0;
    const result = await retryRefused(
      () => {
        pauses.push(clock.now() - last);
        last = clock.now();
        return ++attempts < 6 ? Promise.reject(new Error("etcdserver: unhealthy cluster")) : Promise.resolve("added");
      },
      (error) => (error as Error).message.includes("unhealthy"),
      { clock, what: "x", timeoutMs: 60_000, initialMs: 100, maxMs: 500, onRetry: () => undefined },
    );
    expect(result).toBe("added");
    expect(pauses).toEqual([0, 100, 200, 400, 500, 500]);
  });

  it("passes other errors on at once", async () => {
    const clock = new FakeClock();
    let attempts = 0;
    const boom = new Error("etcdserver: member not found");
    await expect(
      retryRefused(
        () => {
          attempts++;
          return Promise.reject(boom);
        },
        () => false,
        { clock, what: "x", timeoutMs: 1_000, initialMs: 10, maxMs: 10 },
      ),
    ).rejects.toBe(boom);
    expect(attempts).toBe(1);
  });

  it("gives up at the deadline with the last refusal", async () => {
    const clock = new FakeClock();
    const wait = retryRefused(
      () => Promise.reject(new Error("etcdserver: can only promote a learner member which is in sync with leader")),
      () => true,
      { clock, what: "learner example3 to be in sync", timeoutMs: 2_000, initialMs: 100, maxMs: 1_000 },
    );
    await expect(wait).rejects.toThrow(
      /^gave up after 2 s waiting for learner example3 to be in sync \(last: .*in sync with leader\)$/,
    );
  });
});
