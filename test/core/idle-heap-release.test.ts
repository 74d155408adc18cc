import { describe, expect, it } from "vitest";
import { shouldReleaseHeap } from "../../src/core/idle-heap-release.js";

const MiB = 2 ** 20;
const limits = { quietUtilization: 0.05, growthBytes: 32 * MiB };
/** A look at a heap that holds nearly all it has. */
const full = (heapMiB: number, baselineMiB: number, utilization = 0) => ({
  utilization,
  heapBytes: heapMiB * MiB,
  usedBytes: (heapMiB - 4) * MiB,
  baselineBytes: baselineMiB * MiB,
});

describe("shouldReleaseHeap", () => {
  it("releases when the event loop was quiet and the heap grew by the threshold or more", () => {
    expect(shouldReleaseHeap(full(250, 60, 0.01), limits)).toBe(true);
    expect(shouldReleaseHeap(full(92, 60, 0.049), limits)).toBe(true);
  });

  it("releases when the heap is the threshold or more larger than what it holds, as after start-up", () => {
    const afterStartUp = { utilization: 0.01, heapBytes: 105 * MiB, usedBytes: 50 * MiB, baselineBytes: 105 * MiB };
    expect(shouldReleaseHeap(afterStartUp, limits)).toBe(true);
    const heldBurst = { utilization: 0, heapBytes: 87 * MiB, usedBytes: 55 * MiB, baselineBytes: 87 * MiB };
    expect(shouldReleaseHeap(heldBurst, limits)).toBe(true);
  });

  it("waits while the burst goes on: a busy event loop is never stopped for a collection", () => {
    expect(shouldReleaseHeap(full(250, 60, 0.05), limits)).toBe(false);
    expect(shouldReleaseHeap({ ...full(400, 60, 0.9), usedBytes: 100 * MiB }, limits)).toBe(false);
  });

  it("leaves a heap alone that holds what it has and did not grow enough since the last release, or shrank", () => {
    expect(shouldReleaseHeap(full(91, 60), limits)).toBe(false);
    expect(shouldReleaseHeap(full(40, 60), limits)).toBe(false);
    expect(
      shouldReleaseHeap({ utilization: 0, heapBytes: 41 * MiB, usedBytes: 38 * MiB, baselineBytes: 41 * MiB }, limits),
    ).toBe(false);
  });
});
