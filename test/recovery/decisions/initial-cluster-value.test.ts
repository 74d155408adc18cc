import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/core/config/load.js";
import { initialClusterValue } from "../../../src/recovery/decisions/initial-cluster.js";
import { samePeerURL, hexId } from "../../../src/recovery/decisions/members.js";

const cluster = parseConfig("clusters:\n  - name: example\n    members: 3\n", "test.yaml").catalog.clusters[0];
const configured = cluster?.members ?? [];
const entry = (id: string, name: string, peer: string, isLearner = false) => ({
  id,
  name,
  peerURLs: [peer],
  clientURLs: [],
  isLearner,
});

describe("initialClusterValue", () => {
  it("names the new member by its configured name and keeps list order", () => {
    const members = [
      entry("1", "example1", "http://example1:2380"),
      entry("2", "example2", "http://example2:2380"),
      entry("9", "", "http://example3:2380", true),
    ];
    expect(initialClusterValue(members, { id: "9", name: "example3" }, configured)).toBe(
      "example1=http://example1:2380,example2=http://example2:2380,example3=http://example3:2380",
    );
  });

  it("takes the names of members that have not started from the configuration, by peer URL", () => {
    const members = [
      entry("1", "example1", "http://example1:2380"),
      entry("2", "", "http://EXAMPLE2:2380/"),
      entry("9", "", "http://example3:2380"),
    ];
    expect(initialClusterValue(members, { id: "9", name: "example3" }, configured)).toBe(
      "example1=http://example1:2380,example2=http://EXAMPLE2:2380/,example3=http://example3:2380",
    );
  });

  it("refuses to guess the name of an unstarted member that is not configured", () => {
    const members = [
      entry("1", "example1", "http://example1:2380"),
      entry("5", "", "http://stranger:2380"),
      entry("9", "", "http://example3:2380"),
    ];
    expect(() => initialClusterValue(members, { id: "9", name: "example3" }, configured)).toThrow(
      /member 5 \(http:\/\/stranger:2380\) has not started and is not a configured member/,
    );
  });
});

describe("samePeerURL and hexId", () => {
  it("compares peer URLs ignoring host case and a trailing slash", () => {
    expect(samePeerURL("http://Example3:2380/", "http://example3:2380")).toBe(true);
    expect(samePeerURL("http://example3:2380", "http://example3:2381")).toBe(false);
    expect(samePeerURL("https://example3:2380", "http://example3:2380")).toBe(false);
  });

  it("prints member IDs in hex like etcdctl", () => {
    expect(hexId("10276657743932975437")).toBe("8e9e05c52164694d");
    expect(hexId("not-a-number")).toBe("not-a-number");
  });
});
