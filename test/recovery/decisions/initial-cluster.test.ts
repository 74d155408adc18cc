import { describe, expect, it } from "vitest";
import { setInitialCluster, initialClusterValue } from "../../../src/recovery/decisions/initial-cluster.js";
import type { ContainerSpec } from "../../../src/recovery/pods.js";
import { parseConfig } from "../../../src/core/config/load.js";
import { samePeerURL, hexId } from "../../../src/recovery/decisions/members.js";

const VALUE = "a=http://a:2380,b=http://b:2380";

describe("setInitialCluster", () => {
  it.each<[string, ContainerSpec, ContainerSpec, string[]]>([
    [
      "--flag=value in args",
      {
        name: "etcd",
        command: ["etcd"],
        args: ["--name=b", "--initial-cluster=old", "--initial-cluster-state=new", "--initial-cluster-token=t"],
      },
      {
        name: "etcd",
        command: ["etcd"],
        args: [
          "--name=b",
          `--initial-cluster=${VALUE}`,
          "--initial-cluster-state=existing",
          "--initial-cluster-token=t",
        ],
      },
      ["args --initial-cluster", "args --initial-cluster-state"],
    ],
    [
      "--flag value in args",
      { name: "etcd", args: ["--initial-cluster", "old", "--initial-cluster-state", "new"] },
      { name: "etcd", args: ["--initial-cluster", VALUE, "--initial-cluster-state", "existing"] },
      ["args --initial-cluster", "args --initial-cluster-state"],
    ],
    [
      "flags in command",
      { name: "etcd", command: ["/usr/local/bin/etcd", "-initial-cluster=old", "-initial-cluster-state=new"] },
      {
        name: "etcd",
        command: ["/usr/local/bin/etcd", `-initial-cluster=${VALUE}`, "-initial-cluster-state=existing"],
      },
      ["command --initial-cluster", "command --initial-cluster-state"],
    ],
    [
      "a missing state flag added beside the cluster flag",
      { name: "etcd", args: ["--initial-cluster=old", "--name=b"] },
      { name: "etcd", args: [`--initial-cluster=${VALUE}`, "--initial-cluster-state=existing", "--name=b"] },
      ["args --initial-cluster", "args --initial-cluster-state"],
    ],
    [
      "a missing state flag added after a separate value",
      { name: "etcd", args: ["--initial-cluster", "old", "--name=b"] },
      { name: "etcd", args: ["--initial-cluster", VALUE, "--initial-cluster-state=existing", "--name=b"] },
      ["args --initial-cluster", "args --initial-cluster-state"],
    ],
    [
      "a shell script",
      {
        name: "etcd",
        command: [
          "/bin/sh",
          "-ec",
          'exec etcd --name b \\\n  --initial-cluster "old" --initial-cluster-state=new --data-dir /d',
        ],
      },
      {
        name: "etcd",
        command: [
          "/bin/sh",
          "-ec",
          `exec etcd --name b \\\n  --initial-cluster "${VALUE}" --initial-cluster-state=existing --data-dir /d`,
        ],
      },
      ["command --initial-cluster", "command --initial-cluster-state"],
    ],
    [
      "a shell script without a state flag",
      { name: "etcd", args: ["-c", "etcd --initial-cluster=old --name b"] },
      { name: "etcd", args: ["-c", `etcd --initial-cluster=${VALUE} --initial-cluster-state=existing --name b`] },
      ["args --initial-cluster", "args --initial-cluster-state"],
    ],
    [
      "env variables",
      {
        name: "etcd",
        command: ["etcd"],
        env: [
          { name: "ETCD_NAME", value: "b" },
          { name: "ETCD_INITIAL_CLUSTER", value: "old" },
          { name: "ETCD_INITIAL_CLUSTER_STATE", value: "new" },
        ],
      },
      {
        name: "etcd",
        command: ["etcd"],
        env: [
          { name: "ETCD_NAME", value: "b" },
          { name: "ETCD_INITIAL_CLUSTER", value: VALUE },
          { name: "ETCD_INITIAL_CLUSTER_STATE", value: "existing" },
        ],
      },
      ["env ETCD_INITIAL_CLUSTER", "env ETCD_INITIAL_CLUSTER_STATE"],
    ],
    [
      "an env variable taken from a ConfigMap",
      {
        name: "etcd",
        env: [{ name: "ETCD_INITIAL_CLUSTER", valueFrom: { configMapKeyRef: { name: "c", key: "k" } } }],
      },
      {
        name: "etcd",
        env: [
          { name: "ETCD_INITIAL_CLUSTER", value: VALUE },
          { name: "ETCD_INITIAL_CLUSTER_STATE", value: "existing" },
        ],
      },
      ["env ETCD_INITIAL_CLUSTER", "env ETCD_INITIAL_CLUSTER_STATE"],
    ],
    [
      "the cluster in args and the state in env",
      { name: "etcd", args: ["--initial-cluster=old"], env: [{ name: "ETCD_INITIAL_CLUSTER_STATE", value: "new" }] },
      {
        name: "etcd",
        args: [`--initial-cluster=${VALUE}`],
        env: [{ name: "ETCD_INITIAL_CLUSTER_STATE", value: "existing" }],
      },
      ["args --initial-cluster", "env ETCD_INITIAL_CLUSTER_STATE"],
    ],
    [
      "neither: env variables added",
      { name: "etcd", command: ["etcd"] },
      {
        name: "etcd",
        command: ["etcd"],
        env: [
          { name: "ETCD_INITIAL_CLUSTER", value: VALUE },
          { name: "ETCD_INITIAL_CLUSTER_STATE", value: "existing" },
        ],
      },
      ["env ETCD_INITIAL_CLUSTER", "env ETCD_INITIAL_CLUSTER_STATE"],
    ],
    [
      "an already rewritten container (idempotent)",
      { name: "etcd", args: [`--initial-cluster=${VALUE}`, "--initial-cluster-state=existing"] },
      { name: "etcd", args: [`--initial-cluster=${VALUE}`, "--initial-cluster-state=existing"] },
      ["args --initial-cluster", "args --initial-cluster-state"],
    ],
  ])("%s", (_name, input, expected, changes) => {
    const before = structuredClone(input);
    const result = setInitialCluster(input, VALUE);
    expect(result.container).toEqual(expected);
    expect(result.changes).toEqual(changes);
    expect(input).toEqual(before);
  });

  it("leaves look-alike flags alone", () => {
    const input = {
      name: "etcd",
      args: ["--initial-cluster-token=t", "--initial-clusterx=1", "--initial-cluster=old"],
    };
    expect(setInitialCluster(input, VALUE).container.args).toEqual([
      "--initial-cluster-token=t",
      "--initial-clusterx=1",
      `--initial-cluster=${VALUE}`,
      "--initial-cluster-state=existing",
    ]);
  });

  it("keeps other fields of the container as they are", () => {
    const input = {
      name: "etcd",
      image: "etcd:3.5",
      ports: [{ containerPort: 2379 }],
      args: ["--initial-cluster=old"],
    };
    const result = setInitialCluster(input, VALUE).container;
    expect(result.image).toBe("etcd:3.5");
    expect(result.ports).toEqual([{ containerPort: 2379 }]);
  });
});

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
