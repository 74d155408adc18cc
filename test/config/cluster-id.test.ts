import { describe, expect, it } from "vitest";
import { normalizeClusterId } from "../../src/core/config/resolve.js";

describe("normalizeClusterId", () => {
  it("reads hex as etcdctl prints it, with or without 0x, in any case", () => {
    expect(normalizeClusterId("cdf818194e3a8c32")).toBe("14841639068965178418");
    expect(normalizeClusterId("0xcdf818194e3a8c32")).toBe("14841639068965178418");
    expect(normalizeClusterId("CDF818194E3A8C32")).toBe("14841639068965178418");
    expect(normalizeClusterId("0x10")).toBe("16");
  });

  it("reads digits only as decimal", () => {
    expect(normalizeClusterId("14841639068965178418")).toBe("14841639068965178418");
    expect(normalizeClusterId("18446744073709551615")).toBe("18446744073709551615");
  });

  it("rejects zero, values above 64 bits and other text", () => {
    for (const bad of ["0", "0x0", "18446744073709551616", "0x1ffffffffffffffff", "", "xyz", "12 34", "-5"]) {
      expect(normalizeClusterId(bad)).toBeUndefined();
    }
  });
});
