import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/core/config/load.js";
import { unconfiguredMembers } from "../../../src/recovery/decisions/members.js";

const configured =
  parseConfig("clusters:\n  - name: example\n    members: 3\n", "test.yaml").catalog.clusters[0]?.members ?? [];
const entry = (id: string, name: string, ...peerURLs: string[]) => ({
  id,
  name,
  peerURLs,
  clientURLs: [],
  isLearner: false,
});

describe("unconfiguredMembers", () => {
  it("finds nothing when every listed member has a configured peer URL, however it is written", () => {
    const listed = [
      entry("1", "example1", "http://example1:2380"),
      entry("2", "", "HTTP://EXAMPLE2:2380/"),
      entry("3", "example3", "http://other:2380", "http://example3:2380"),
    ];
    expect(unconfiguredMembers(listed, configured)).toEqual([]);
  });

  it("finds members whose peer URLs match no configured member, started or not", () => {
    const stranger = entry("5", "stranger", "http://stranger:2380");
    const unstarted = entry("6", "", "http://example1:2390");
    expect(
      unconfiguredMembers([entry("1", "example1", "http://example1:2380"), stranger, unstarted], configured),
    ).toEqual([stranger, unstarted]);
  });
});
