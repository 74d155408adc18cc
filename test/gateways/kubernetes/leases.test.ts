import { V1MicroTime } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { decideLease, leaseExpiry, microTime } from "../../../src/gateways/kubernetes/leases.js";

const NOW = Date.parse("2025-03-01T12:00:00.000Z");
/** A Lease spec as client-node reads it: MicroTime fields arrive as the server's strings. */
const spec = (
  holderIdentity: string | undefined,
  renewedSecondsAgo: number | undefined,
  leaseDurationSeconds = 15,
) => ({
  holderIdentity,
  leaseDurationSeconds,
  ...(renewedSecondsAgo === undefined
    ? {}
    : {
        renewTime: new Date(NOW - renewedSecondsAgo * 1000)
          .toISOString()
          .replace("Z", "000Z") as unknown as V1MicroTime,
      }),
});

describe("decideLease", () => {
  it("renews a Lease held by the same holder, even an expired one", () => {
    expect(decideLease(spec("a", 2), "a", NOW)).toEqual({ kind: "renew" });
    expect(decideLease(spec("a", 100), "a", NOW)).toEqual({ kind: "renew" });
  });

  it("takes over a missing spec, an empty holder, and a holder that let it expire", () => {
    expect(decideLease(undefined, "b", NOW)).toEqual({ kind: "take-over" });
    expect(decideLease(spec("", 1), "b", NOW)).toEqual({ kind: "take-over" });
    expect(decideLease(spec(undefined, 1), "b", NOW)).toEqual({ kind: "take-over" });
    expect(decideLease(spec("a", 16), "b", NOW)).toEqual({ kind: "take-over" });
  });

  it("counts a Lease as expired from the instant renewTime + duration is reached", () => {
    expect(decideLease(spec("a", 15), "b", NOW)).toEqual({ kind: "take-over" });
    expect(decideLease(spec("a", 14.999), "b", NOW)).toMatchObject({ kind: "held" });
  });

  it("refuses a Lease another holder renewed recently, saying when it expires", () => {
    expect(decideLease(spec("a", 5), "b", NOW)).toEqual({
      kind: "held",
      holder: "a",
      expiresAt: new Date(NOW + 10_000),
    });
  });

  it("treats a holder without any renewal time as gone", () => {
    expect(decideLease(spec("a", undefined), "b", NOW)).toEqual({ kind: "take-over" });
  });

  it("reads renewal times given as Dates too", () => {
    expect(
      decideLease({ holderIdentity: "a", leaseDurationSeconds: 10, renewTime: new V1MicroTime(NOW - 1000) }, "b", NOW),
    ).toEqual({
      kind: "held",
      holder: "a",
      expiresAt: new Date(NOW + 9000),
    });
  });
});

describe("leaseExpiry", () => {
  it("is renewTime plus the duration, undefined without renewTime", () => {
    expect(leaseExpiry(spec("a", 0, 30))).toBe(NOW + 30_000);
    expect(leaseExpiry({ holderIdentity: "a", renewTime: new V1MicroTime(NOW) })).toBe(NOW);
    expect(leaseExpiry(spec("a", undefined))).toBeUndefined();
    expect(leaseExpiry(undefined)).toBeUndefined();
  });
});

describe("microTime", () => {
  it("serializes with six fraction digits, as the API server parses MicroTime", () => {
    const ms = Date.parse("2025-03-01T12:00:00.123Z");
    expect(JSON.stringify({ t: microTime(ms) })).toBe('{"t":"2025-03-01T12:00:00.123000Z"}');
    expect(microTime(ms).getTime()).toBe(ms);
  });
});
