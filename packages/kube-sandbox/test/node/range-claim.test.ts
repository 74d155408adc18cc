import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { HostRoute } from "../../src/node/host-routes.js";
import { formatRange, parseRange, rangesOverlap } from "../../src/node/ipv4-range.js";
import { claimRanges } from "../../src/node/range-claim.js";

const lockDirectory = mkdtempSync(join(tmpdir(), "range-claim-test-"));
afterAll(() => rmSync(lockDirectory, { recursive: true, force: true }));

function route(dst: string): HostRoute {
  return { range: parseRange(dst), description: `${dst} dev test0` };
}

describe("claimRanges", () => {
  it("gives Pods and Services a /24 each, next to each other, away from host routes", () => {
    const routes = [route("10.0.0.0/9"), route("172.16.0.0/12")];
    const claim = claimRanges(routes, { lockDirectory });
    try {
      expect(claim.podRange.prefix).toBe(24);
      expect(claim.serviceRange).toEqual({ base: claim.podRange.base + 256, prefix: 24 });
      for (const range of [claim.podRange, claim.serviceRange]) {
        expect(
          routes.some((r) => rangesOverlap(r.range, range)),
          formatRange(range),
        ).toBe(false);
      }
    } finally {
      claim.release();
    }
  });

  it("never hands one range to two claims at once, and hands it out again once released", () => {
    const ranges = { podRange: "10.200.0.0/23", serviceRange: "10.200.2.0/24", lockDirectory };
    const first = claimRanges([], ranges);
    expect(() => claimRanges([], { ...ranges, podRange: "10.200.1.0/24" })).toThrow(
      "10.200.1.0/24 or 10.200.2.0/24 is held by another sandbox",
    );
    // A failed claim holds nothing: a range that shares no /24 with the first is free.
    claimRanges([], { podRange: "10.200.3.0/24", serviceRange: "10.200.4.0/24", lockDirectory }).release();
    first.release();
    claimRanges([], ranges).release();
  });

  it("refuses explicit ranges that overlap a host route, each other, or are too wide", () => {
    expect(() =>
      claimRanges([route("192.168.0.0/16")], {
        podRange: "192.168.7.0/24",
        serviceRange: "10.1.0.0/24",
        lockDirectory,
      }),
    ).toThrow('Pod range 192.168.7.0/24 overlaps the host route "192.168.0.0/16 dev test0"');
    expect(() => claimRanges([], { podRange: "10.1.0.0/24", serviceRange: "10.1.0.0/25", lockDirectory })).toThrow(
      "Pod range 10.1.0.0/24 overlaps Service range 10.1.0.0/25",
    );
    expect(() => claimRanges([], { podRange: "10.0.0.0/8", serviceRange: "10.1.0.0/24", lockDirectory })).toThrow(
      "Pod range 10.0.0.0/8 must have a prefix of /16 to /28",
    );
    expect(() => claimRanges([], { podRange: "10.1.0.0/24", lockDirectory })).toThrow(
      "podRange and serviceRange are given together or not at all",
    );
  });

  it("says so when every private range is taken by host routes", () => {
    const routes = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map(route);
    expect(() => claimRanges(routes, { lockDirectory, attempts: 8 })).toThrow(
      "no free private /23 for Pods and Services after 8 attempts",
    );
  });
});
