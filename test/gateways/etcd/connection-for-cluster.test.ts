import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/core/config/load.js";
import { etcdConnectionFor } from "../../../src/gateways/etcd/etcd-gateway.js";
import { filesFrom } from "../../config/fixtures.js";

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
