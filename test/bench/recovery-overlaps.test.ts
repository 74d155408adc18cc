import { describe, expect, it } from "vitest";
import type { RecoveryRecord } from "../../src/queue/recovery-queue.js";
import { overlappingRecoveries } from "../../bench/recovery-overlaps.js";

/** A finished recovery of `cluster` that ran from second `start` to second `end`. */
function ran(id: string, cluster: string, start: number, end: number): RecoveryRecord {
  return {
    id,
    cluster,
    namespace: "default",
    member: 1,
    state: "succeeded",
    mode: "act",
    trigger: { kind: "manual" },
    createdAt: new Date(0).toISOString(),
    startedAt: new Date(start * 1000).toISOString(),
    finishedAt: new Date(end * 1000).toISOString(),
    attempts: 1,
    steps: [],
  };
}

describe("overlappingRecoveries", () => {
  it("finds none when each cluster's recoveries ran one after another, whatever other clusters did", () => {
    const records = [ran("a1", "a", 0, 2), ran("a2", "a", 2, 4), ran("b1", "b", 1, 3), ran("c1", "c", 0, 9)];
    expect(overlappingRecoveries(records)).toEqual([]);
  });

  it("names the recoveries of one cluster that ran at the same time, in any order of the records", () => {
    const records = [ran("a3", "a", 5, 6), ran("a1", "a", 0, 10), ran("a2", "a", 2, 3), ran("b1", "b", 0, 10)];
    expect(overlappingRecoveries(records)).toEqual([
      { cluster: "default/a", first: "a1", second: "a2" },
      { cluster: "default/a", first: "a1", second: "a3" },
    ]);
  });

  it("leaves out recoveries that have not started or not finished", () => {
    const waiting = { ...ran("a2", "a", 1, 2), startedAt: undefined, finishedAt: undefined };
    expect(overlappingRecoveries([ran("a1", "a", 0, 5), waiting])).toEqual([]);
  });
});
