import { ApiException } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { KubernetesApiError } from "../../../src/gateways/kubernetes/errors.js";
import {
  DEFAULT_TRANSIENT_RETRIES,
  isTransientFailure,
  retryTransient,
} from "../../../src/gateways/kubernetes/transient-retries.js";

/** A KubernetesApiError as the gateway makes it from an answer with `code` and a Status of `reason`. */
function answered(code: number, reason: string): KubernetesApiError {
  const body = JSON.stringify({ kind: "Status", code, reason, message: `${reason} happened` });
  return new KubernetesApiError("replace", "Deployment default/example-3", new ApiException(code, "x", body, {}));
}

const unanswered = new KubernetesApiError(
  "read",
  "Deployment default/example-3",
  Object.assign(new Error("fetch failed"), { cause: Object.assign(new Error("reset"), { code: "ECONNRESET" }) }),
);

/** A call that fails with each of `failures` in turn, then answers `done`; counts its calls. */
function failing(failures: Error[]) {
  let calls = 0;
  return {
    calls: () => calls,
    call: () => {
      const failure = failures[calls++];
      return failure === undefined ? Promise.resolve("done") : Promise.reject(failure);
    },
  };
}

describe("sending a Kubernetes call again after a transient failure", () => {
  it("tells the failures worth sending again unchanged from the others", () => {
    expect(isTransientFailure(answered(500, "InternalError"))).toBe(true);
    expect(isTransientFailure(answered(503, "ServiceUnavailable"))).toBe(true);
    expect(isTransientFailure(answered(429, "TooManyRequests"))).toBe(true);
    expect(isTransientFailure(unanswered)).toBe(true);
    // A Conflict needs a fresh read first; the rest repeat until someone changes something.
    expect(isTransientFailure(answered(409, "Conflict"))).toBe(false);
    expect(isTransientFailure(answered(403, "Forbidden"))).toBe(false);
    expect(isTransientFailure(answered(422, "Invalid"))).toBe(false);
    expect(isTransientFailure(new Error("a bug"))).toBe(false);
  });

  it("sends the call again with growing pauses until it succeeds", async () => {
    const pauses: number[] = [];
    const told: [number, number][] = [];
    const call = failing([answered(500, "InternalError"), unanswered, answered(429, "TooManyRequests")]);
    const result = await retryTransient(
      call.call,
      DEFAULT_TRANSIENT_RETRIES,
      (ms) => Promise.resolve(void pauses.push(ms)),
      (_error, attempt, delayMs) => told.push([attempt, delayMs]),
    );
    expect(result).toBe("done");
    expect(call.calls()).toBe(4);
    expect(pauses).toEqual([250, 500, 1000]);
    expect(told).toEqual([
      [1, 250],
      [2, 500],
      [3, 1000],
    ]);
  });

  it("gives up after the attempts allowed, with the last failure", async () => {
    const pauses: number[] = [];
    const failures = Array.from({ length: 10 }, () => answered(500, "InternalError"));
    const call = failing(failures);
    const outcome = await retryTransient(call.call, DEFAULT_TRANSIENT_RETRIES, (ms) =>
      Promise.resolve(void pauses.push(ms)),
    ).catch((error: unknown) => error);
    expect(outcome).toBe(failures[5]);
    expect(call.calls()).toBe(6);
    expect(pauses).toEqual([250, 500, 1000, 2000, 4000]);
  });

  it("passes any other failure on at once", async () => {
    for (const failure of [answered(409, "Conflict"), answered(404, "NotFound"), new TypeError("a bug")]) {
      const call = failing([failure]);
      const policy = { attempts: 5, initialDelayMs: 1, maxDelayMs: 1 };
      await expect(retryTransient(call.call, policy, () => Promise.resolve())).rejects.toBe(failure);
      expect(call.calls()).toBe(1);
    }
  });
});
