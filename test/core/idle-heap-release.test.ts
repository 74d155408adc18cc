import { describe, expect, it } from "vitest";
import { shouldReleaseHeap } from "../../src/core/idle-heap-release.js";

const MiB = 2 ** 20;
const limits = { quietUtilization: 0.05, growthBytes: 32 * MiB };

describe("shouldReleaseHeap", () => {
  it("releases when the event loop was quiet and the heap grew by the threshold or more", () => {
    expect(shouldReleaseHeap({ utilization: 0.01, heapBytes: 250 * MiB, baselineBytes: 60 * MiB }, limits)).toBe(true);
    expect(shouldReleaseHeap({ utilization: 0.049, heapBytes: 92 * MiB, baselineBytes: 60 * MiB }, limits)).toBe(true);
  });

  it("waits while the burst goes on: a busy event loop is never stopped for a collection", () => {
    expect(shouldReleaseHeap({ utilization: 0.05, heapBytes: 250 * MiB, baselineBytes: 60 * MiB }, limits)).toBe(false);
    expect(shouldReleaseHeap({ utilization: 0.9, heapBytes: 400 * MiB, baselineBytes: 60 * MiB }, limits)).toBe(false);
  });

  it("leaves a heap alone that did not grow enough since the last release, or shrank", () => {
    expect(shouldReleaseHeap({ utilization: 0, heapBytes: 91 * MiB, baselineBytes: 60 * MiB }, limits)).toBe(false);
    expect(shouldReleaseHeap({ utilization: 0, heapBytes: 40 * MiB, baselineBytes: 60 * MiB }, limits)).toBe(false);
  });
});
