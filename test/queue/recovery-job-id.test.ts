import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { newRecoveryJobId, parseRecoveryJobId } from "../../src/queue/jobs.js";

describe("recovery job ids", () => {
  it("are readable and carry cluster, member and time", () => {
    const at = Date.parse("2030-05-06T07:08:09.010Z");
    const id = newRecoveryJobId("orders", 3, at);
    expect(id).toMatch(/^orders-3-[0-9a-z]+-[0-9a-f]{6}$/);
    expect(parseRecoveryJobId(id)).toEqual({ cluster: "orders", member: 3, createdAt: at });
  });

  it("differ within one millisecond", () => {
    const ids = new Set(Array.from({ length: 200 }, () => newRecoveryJobId("a", 1, 0)));
    expect(ids.size).toBe(200);
  });

  it("parse back whatever the cluster name, including dashes and trailing digits", () => {
    const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/);
    fc.assert(
      fc.property(
        label,
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        (cluster, member, at) => {
          expect(parseRecoveryJobId(newRecoveryJobId(cluster, member, at))).toEqual({ cluster, member, createdAt: at });
        },
      ),
    );
  });

  it("reject anything else", () => {
    for (const id of ["", "42", "a-1", "a-0-abc-123456", "a-1-abc-12345", "a-1-ABC-123456", "a-1-abc-12345g"]) {
      expect(parseRecoveryJobId(id), id).toBeUndefined();
    }
  });
});
