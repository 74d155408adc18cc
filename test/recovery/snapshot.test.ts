import { describe, expect, it } from "vitest";
import { snapshotFileName, snapshotsToPrune } from "../../src/recovery/snapshot.js";

describe("snapshotFileName", () => {
  it("names the file after the cluster and the UTC time, so names sort by time", () => {
    expect(snapshotFileName("example", Date.UTC(2024, 0, 2, 3, 4, 5, 678))).toBe("example-20240102T030405.678Z.db");
  });
});

describe("snapshotsToPrune", () => {
  const files = [
    "example-20240102T030405.678Z.db",
    "example-20240101T000000.000Z.db",
    "example-20240103T000000.000Z.db",
    "example-20231231T235959.999Z.db",
    "example-a-20200101T000000.000Z.db",
    "example-20200101T000000.000Z.db.partial",
    "notes.txt",
  ];

  it("deletes the oldest of the cluster's snapshots beyond `keep`", () => {
    expect(snapshotsToPrune(files, "example", 2)).toEqual([
      "example-20231231T235959.999Z.db",
      "example-20240101T000000.000Z.db",
    ]);
  });

  it("leaves other clusters' files, partial downloads and foreign files alone", () => {
    expect(snapshotsToPrune(files, "example", 1)).not.toContain("example-a-20200101T000000.000Z.db");
    expect(snapshotsToPrune(files, "example-a", 0)).toEqual(["example-a-20200101T000000.000Z.db"]);
  });

  it("deletes nothing while there are no more than `keep`", () => {
    expect(snapshotsToPrune(files, "example", 4)).toEqual([]);
    expect(snapshotsToPrune([], "example", 1)).toEqual([]);
  });
});
