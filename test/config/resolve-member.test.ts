import { describe, expect, it } from "vitest";
import { findCluster, parseConfig, resolveMember } from "../../src/config/index.js";
import { ConfigError } from "../../src/errors/index.js";

const config = parseConfig(
  `
clusters:
  - { name: example, members: 5, memberURLs: { "2": { clientURL: "http://127.10.0.2:2379" } } }
  - { name: orders, namespace: shop, members: 3 }
  - { name: orders, namespace: billing, members: 3 }
`,
  "config.yaml",
);

describe("resolveMember", () => {
  it("resolves a member from the templates and its explicit URLs", () => {
    const cluster = findCluster(config, "example");
    expect(cluster).toBeDefined();
    expect(resolveMember(cluster!, 2)).toEqual({
      index: 2,
      name: "example2",
      deployment: "example-2",
      service: "example2",
      clientURL: "http://127.10.0.2:2379",
      peerURL: "http://example2:2380",
    });
    expect(resolveMember(cluster!, 5)).toEqual(cluster!.members[4]);
  });

  it("throws a RangeError outside 1..members", () => {
    const cluster = findCluster(config, "example")!;
    expect(() => resolveMember(cluster, 0)).toThrow(RangeError);
    expect(() => resolveMember(cluster, 6)).toThrow("cluster default/example has members 1 to 5; there is no member 6");
    expect(() => resolveMember(cluster, 1.5)).toThrow(RangeError);
  });
});

describe("findCluster", () => {
  it("finds by name, or by name and namespace", () => {
    expect(findCluster(config, "example")?.namespace).toBe("default");
    expect(findCluster(config, "orders", "billing")?.namespace).toBe("billing");
    expect(findCluster(config, "example", "default")?.name).toBe("example");
  });

  it("returns undefined for a cluster that is not configured", () => {
    expect(findCluster(config, "missing")).toBeUndefined();
    expect(findCluster(config, "example", "shop")).toBeUndefined();
  });

  it("refuses to guess when the name alone is in several namespaces", () => {
    expect(() => findCluster(config, "orders")).toThrow(ConfigError);
    expect(() => findCluster(config, "orders")).toThrow(
      'cluster name "orders" is used in several namespaces (shop, billing)',
    );
  });
});
