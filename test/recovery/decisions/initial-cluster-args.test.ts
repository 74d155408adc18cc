import { describe, expect, it } from "vitest";
import { setInitialCluster } from "../../../src/recovery/decisions/initial-cluster.js";
import type { ContainerSpec } from "../../../src/recovery/pods.js";

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
