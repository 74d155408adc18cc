import { describe, expect, it } from "vitest";
import { formatInitialCluster, type EtcdMember } from "../../../src/gateways/etcd/etcd-gateway.js";

const member = (id: string, name: string, peerURLs: string[], isLearner = false): EtcdMember => ({
  id,
  name,
  peerURLs,
  clientURLs: name ? [`http://${name}:2379`] : [],
  isLearner,
});

describe("formatInitialCluster", () => {
  it("lists every member by name and peer URL, the added one under its intended name", () => {
    const members = [
      member("1", "example1", ["http://example1:2380"]),
      member("9", "", ["http://example3:2380"], true),
      member("2", "example2", ["http://example2:2380"]),
    ];
    expect(formatInitialCluster(members, { id: "9", name: "example3" })).toBe(
      "example1=http://example1:2380,example3=http://example3:2380,example2=http://example2:2380",
    );
  });

  it("repeats the name for a member with several peer URLs", () => {
    expect(formatInitialCluster([member("5", "", ["http://a:2380", "http://b:2380"])], { id: "5", name: "m5" })).toBe(
      "m5=http://a:2380,m5=http://b:2380",
    );
  });
});
