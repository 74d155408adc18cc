import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/core/config/load.js";
import { etcdConnectionFor, formatInitialCluster, type EtcdMember } from "../../../src/gateways/etcd/etcd-gateway.js";
import { filesFrom } from "../../support/config-files.js";

const KEY = "-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n";
const CERT = "-----BEGIN CERTIFICATE-----\ncert\n-----END CERTIFICATE-----\n";

describe("etcdConnectionFor", () => {
  it("takes every member's client URL, the secrets and the pinned cluster ID", () => {
    const readFile = filesFrom({ "/ca": CERT, "/cert": CERT, "/key": KEY, "/pw": "pw\n" });
    const text = `
clusters:
  - name: a
    members: 3
    clusterID: "0x10"
    naming: { clientURL: "https://a{index}:2379" }
    tls: { caFile: /ca, certFile: /cert, keyFile: /key }
    auth: { username: root, passwordFile: /pw }
`;
    const [cluster] = parseConfig(text, "config.yaml", { readFile }).catalog.clusters;
    expect(etcdConnectionFor(cluster!)).toEqual({
      clientURLs: ["https://a1:2379", "https://a2:2379", "https://a3:2379"],
      tls: { ca: CERT, cert: CERT, key: KEY },
      auth: { username: "root", password: "pw" },
      clusterID: "16",
    });
  });

  it("leaves out what is not configured", () => {
    const [cluster] = parseConfig("clusters: [{ name: a, members: 1 }]", "config.yaml").catalog.clusters;
    expect(etcdConnectionFor(cluster!)).toEqual({ clientURLs: ["http://a1.default.svc:2379"] });
  });
});

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
