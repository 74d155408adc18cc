import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ClusterCatalog, isPodOfDeployment, type ClusterMember } from "../../src/core/catalog.js";
import { parseConfig } from "../../src/core/config/load.js";
import { NotConfiguredError } from "../../src/core/errors.js";

const SAFE = "bcdfghjklmnpqrstvwxz2456789".split("");
const safeString = (min: number, max: number) =>
  fc.array(fc.constantFrom(...SAFE), { minLength: min, maxLength: max }).map((c) => c.join(""));

/** What Kubernetes names a Pod of `deployment`: the ReplicaSet's name plus `-`, cut to 58 characters, plus 5 random. */
function kubernetesPodName(deployment: string, hash: string, random: string): string {
  return `${deployment}-${hash}-`.slice(0, 58) + random;
}

describe("isPodOfDeployment", () => {
  it("matches the Pods of the Deployment, whatever their ReplicaSet", () => {
    expect(isPodOfDeployment("example-3-7d9f8b6c4d-x2k4q", "example-3")).toBe(true);
    expect(isPodOfDeployment("example-3-58b4c9d7f6-n7vrt", "example-3")).toBe(true);
    // Hashes of old clusters were decimal.
    expect(isPodOfDeployment("example-3-1234567890-abcde", "example-3")).toBe(true);
  });

  it("does not match other Deployments' Pods or other shapes", () => {
    expect(isPodOfDeployment("example-3-7d9f8b6c4d-x2k4q", "example-1")).toBe(false);
    expect(isPodOfDeployment("example-30-7d9f8b6c4d-x2k4q", "example-3")).toBe(false);
    expect(isPodOfDeployment("example-3-1-7d9f8b6c4d-x2k4q", "example-3")).toBe(false);
    expect(isPodOfDeployment("example-3-x2k4q", "example-3")).toBe(false);
    expect(isPodOfDeployment("example-3", "example-3")).toBe(false);
    expect(isPodOfDeployment("example-3-7d9f8b6c4d-X2K4Q", "example-3")).toBe(false);
    expect(isPodOfDeployment("example-3-7d9f8b6c4d7d-x2k4q", "example-3")).toBe(false);
    expect(isPodOfDeployment("", "example-3")).toBe(false);
    expect(isPodOfDeployment("x2k4q", "")).toBe(false);
  });

  it("matches every name Kubernetes can give a Deployment's Pods, long names included", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,60}[a-z0-9])?$/),
        safeString(1, 10),
        safeString(5, 5),
        (deployment, hash, random) => {
          expect(isPodOfDeployment(kubernetesPodName(deployment, hash, random), deployment)).toBe(true);
        },
      ),
    );
  });

  it("handles a name cut inside the Deployment name", () => {
    const deployment = `${"a".repeat(60)}-1`;
    expect(isPodOfDeployment(kubernetesPodName(deployment, "7d9f8b6c4d", "x2k4q"), deployment)).toBe(true);
    expect(isPodOfDeployment(`${"b".repeat(58)}x2k4q`, deployment)).toBe(false);
  });
});

const catalog = parseConfig(
  `
clusters:
  - { name: example, members: 5, memberURLs: { "2": { clientURL: "http://127.10.0.2:2379" } } }
  - { name: example, namespace: staging, members: 2 }
  - { name: orders, namespace: shop, members: 3 }
  - { name: orders, namespace: billing, members: 3 }
  - { name: kv, namespace: data, members: 3, naming: { deployment: "etcd-{name}-member{index}" } }
`,
  "config.yaml",
).catalog;

/** `namespace/name/index` of a lookup's answer, for short assertions. */
const brief = (found: ClusterMember | undefined) =>
  found && `${found.cluster.namespace}/${found.cluster.name}/${found.member.index}`;

describe("ClusterCatalog.cluster", () => {
  it("finds by name, or by name and namespace", () => {
    expect(catalog.cluster("example", "default").namespace).toBe("default");
    expect(catalog.cluster("orders", "billing").namespace).toBe("billing");
    expect(catalog.cluster("kv").namespace).toBe("data");
  });

  it("says which clusters are configured when there is none by that name", () => {
    const listing = "configured clusters: default/example, staging/example, shop/orders, billing/orders, data/kv";
    expect(() => catalog.cluster("missing")).toThrow(`no configured cluster "missing"; ${listing}`);
    expect(() => catalog.cluster("kv", "shop")).toThrow(`no configured cluster "kv" in namespace "shop"; ${listing}`);
    expect(() => catalog.cluster("missing")).toThrow(expect.objectContaining({ kind: "cluster", retryable: false }));
  });

  it("refuses to guess when the name alone is in several namespaces", () => {
    expect(() => catalog.cluster("orders")).toThrow(NotConfiguredError);
    expect(() => catalog.cluster("orders")).toThrow(
      'cluster name "orders" is used in several namespaces (shop, billing); say which namespace',
    );
    expect(() => catalog.cluster("orders")).toThrow(expect.objectContaining({ kind: "ambiguous-cluster" }));
  });
});

describe("ClusterCatalog.member", () => {
  it("resolves a member with its names and explicit URLs, by cluster or by name", () => {
    const { cluster, member } = catalog.member("example", 2, "default");
    expect(cluster.name).toBe("example");
    expect(member).toEqual({
      index: 2,
      name: "example2",
      workload: { kind: "Deployment", name: "example-2", service: "example2" },
      clientURL: "http://127.10.0.2:2379",
      peerURL: "http://example2:2380",
    });
    expect(catalog.member(cluster, 5).member).toBe(cluster.members[4]);
  });

  it("refuses an index outside 1..members, saying which members there are", () => {
    const cluster = catalog.cluster("example", "default");
    for (const index of [0, 6, 1.5, -1]) {
      expect(() => catalog.member(cluster, index)).toThrow(
        `cluster default/example has members 1 to 5; there is no member ${index}`,
      );
    }
    expect(() => catalog.member(cluster, 6)).toThrow(expect.objectContaining({ kind: "member" }));
  });
});

describe("ClusterCatalog.memberOfPodName", () => {
  it("finds the member in the Pod's namespace, whatever its ReplicaSet", () => {
    expect(brief(catalog.memberOfPodName("default", "example-2-7d9f8b6c4d-x2k4q"))).toBe("default/example/2");
    expect(brief(catalog.memberOfPodName("staging", "example-1-7d9f8b6c4d-x2k4q"))).toBe("staging/example/1");
    expect(brief(catalog.memberOfPodName("data", "etcd-kv-member2-7d9f8b6c4d-x2k4q"))).toBe("data/kv/2");
  });

  it("finds nothing in another namespace or for another Deployment", () => {
    expect(catalog.memberOfPodName("prod", "example-1-7d9f8b6c4d-x2k4q")).toBeUndefined();
    expect(catalog.memberOfPodName("staging", "example-3-7d9f8b6c4d-x2k4q")).toBeUndefined();
    expect(catalog.memberOfPodName("data", "kv-2-7d9f8b6c4d-x2k4q")).toBeUndefined();
  });

  it("finds every member's Pods among a hundred clusters, StatefulSet members and names cut short included", () => {
    const long = "c".repeat(55);
    const clusters = Array.from({ length: 98 }, (_, i) => `  - { name: c${i}, namespace: ns${i % 7}, members: 5 }`);
    clusters.push(`  - { name: long, members: 3, naming: { deployment: "${long}-{index}", service: "l{index}" } }`);
    clusters.push("  - { name: set, namespace: ns1, members: 3, statefulSet: { name: set } }");
    const many = parseConfig(`clusters:\n${clusters.join("\n")}\n`, "config.yaml").catalog;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 97 }), fc.integer({ min: 1, max: 5 }), safeString(1, 10), (i, n, hash) => {
        const pod = kubernetesPodName(`c${i}-${n}`, hash, "x2k4q");
        expect(brief(many.memberOfPodName(`ns${i % 7}`, pod))).toBe(`ns${i % 7}/c${i}/${n}`);
      }),
    );
    expect(brief(many.memberOfPodName("default", kubernetesPodName(`${long}-2`, "7d9f8b6c4d", "x2k4q")))).toBe(
      "default/long/2",
    );
    expect(brief(many.memberOfPodName("ns1", "set-2"))).toBe("ns1/set/3");
    expect(many.memberOfPodName("ns2", "set-2")).toBeUndefined();
  });

  it("finds by its indexes what comparing the Pod name with every member finds, for names of every length", () => {
    const stems = [
      "e".repeat(44),
      "e".repeat(50),
      "e".repeat(54),
      "e".repeat(56),
      `${"e".repeat(50)}-x`,
      "f".repeat(57),
    ];
    const clusters = stems.map(
      (stem, i) =>
        `  - { name: s${i}, members: 3, naming: { deployment: "${stem}-{index}", service: "s${i}m{index}" } }`,
    );
    const many = parseConfig(`clusters:\n${clusters.join("\n")}\n`, "config.yaml").catalog;
    const everyMember = many.clusters.flatMap((cluster) => cluster.members.map((member) => ({ cluster, member })));
    const scan = (pod: string) => {
      const matches = everyMember.filter(
        ({ member }) => member.workload.kind === "Deployment" && isPodOfDeployment(pod, member.workload.name),
      );
      return matches.length === 1 ? brief(matches[0]) : undefined;
    };
    fc.assert(
      fc.property(
        fc.constantFrom(...stems),
        fc.integer({ min: 1, max: 3 }),
        fc.oneof(safeString(1, 10), fc.constant("")),
        safeString(5, 5),
        (stem, n, hash, random) => {
          const pod = kubernetesPodName(`${stem}-${n}`, hash, random);
          expect(brief(many.memberOfPodName("default", pod))).toBe(scan(pod));
        },
      ),
    );
  });

  it("finds nothing when a cut name fits several Deployments", () => {
    const long = "d".repeat(60);
    const ambiguous = parseConfig(
      `clusters:\n  - { name: a, members: 2, naming: { deployment: "${long}-{index}", service: "a{index}" } }\n`,
      "config.yaml",
    ).catalog;
    expect(ambiguous.memberOfPodName("default", `${"d".repeat(58)}x2k4q`)).toBeUndefined();
  });
});

describe("ClusterCatalog.memberOfPodLabels", () => {
  const labels = (cluster: string, member: string) => ({
    "etcd.responder.io/cluster": cluster,
    "etcd.responder.io/member": member,
  });

  it("maps the labels of a configured member", () => {
    expect(brief(catalog.memberOfPodLabels("default", labels("example", "5")))).toBe("default/example/5");
    expect(brief(catalog.memberOfPodLabels("shop", labels("orders", "1")))).toBe("shop/orders/1");
  });

  it("refuses unknown clusters, other namespaces, members out of range and malformed numbers", () => {
    expect(catalog.memberOfPodLabels("default", labels("other", "1"))).toBeUndefined();
    expect(catalog.memberOfPodLabels("prod", labels("example", "1"))).toBeUndefined();
    expect(catalog.memberOfPodLabels("default", labels("example", "6"))).toBeUndefined();
    for (const bad of ["0", "01", "1.0", "-1", "", " 1", "1e0"]) {
      expect(catalog.memberOfPodLabels("default", labels("example", bad))).toBeUndefined();
    }
    expect(catalog.memberOfPodLabels("default", { "etcd.responder.io/cluster": "example" })).toBeUndefined();
  });

  it("reads own labels only", () => {
    const inherited = Object.create({
      "etcd.responder.io/cluster": "example",
      "etcd.responder.io/member": "1",
    }) as Record<string, string>;
    expect(catalog.memberOfPodLabels("default", inherited)).toBeUndefined();
  });
});

describe("ClusterCatalog.hasNamespace and list", () => {
  it("knows the namespaces of the configured clusters and lists the clusters", () => {
    expect(catalog.hasNamespace("shop")).toBe(true);
    expect(catalog.hasNamespace("kube-system")).toBe(false);
    expect(new ClusterCatalog([]).list()).toBe("");
  });
});
