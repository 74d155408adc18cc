import { describe, expect, it } from "vitest";
import {
  formatIpv4,
  formatRange,
  parseIpv4,
  parseRange,
  rangeContains,
  rangesOverlap,
} from "../../src/node/ipv4-range.js";
import { IsolationError } from "../../src/node/isolation-error.js";

describe("IPv4 ranges", () => {
  it("reads and writes addresses and ranges", () => {
    expect(parseIpv4("10.1.2.3")).toBe(10 * 2 ** 24 + 1 * 2 ** 16 + 2 * 256 + 3);
    expect(formatIpv4(parseIpv4("255.255.255.255"))).toBe("255.255.255.255");
    expect(formatRange(parseRange("172.16.4.0/23"))).toBe("172.16.4.0/23");
    expect(parseRange("192.168.1.7")).toEqual({ base: parseIpv4("192.168.1.7"), prefix: 32 });
  });

  it("refuses malformed input and ranges with host bits set", () => {
    for (const text of ["10.1.2", "10.1.2.256", "10.1.2.0/33", "10.1.2.0/", "10.1.2.0/24/1", "a.b.c.d/8"]) {
      expect(() => parseRange(text), text).toThrow(IsolationError);
    }
    expect(() => parseRange("10.1.2.5/24")).toThrow(
      "range 10.1.2.5/24 has host bits set; its network address is 10.1.2.0",
    );
  });

  it("tells overlapping ranges and contained addresses", () => {
    const pods = parseRange("10.8.0.0/24");
    expect(rangesOverlap(pods, parseRange("10.8.0.128/25"))).toBe(true);
    expect(rangesOverlap(pods, parseRange("10.0.0.0/8"))).toBe(true);
    expect(rangesOverlap(pods, parseRange("10.8.1.0/24"))).toBe(false);
    expect(rangesOverlap(pods, parseRange("10.7.255.255/32"))).toBe(false);
    expect(rangeContains(pods, parseIpv4("10.8.0.255"))).toBe(true);
    expect(rangeContains(pods, parseIpv4("10.8.1.0"))).toBe(false);
  });
});
