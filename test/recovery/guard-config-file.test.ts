import type { V1Container } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { runRecovery } from "../../src/recovery/run-recovery.js";
import { FakeStatefulSetWorld } from "../support/fake-statefulset-world.js";
import { FakeWorld } from "../support/fake-world.js";

/** The refusal's message for the member `member` of `workload`, whose etcd reads a file as `named` says. */
const message = (workload: string, member: string, named: string) =>
  `${workload} starts etcd with ${named}, so etcd ignores every other flag and ETCD_* variable and would never see ` +
  `the initial cluster settings the recovery gives member ${member}; the responder does not change configuration ` +
  "files. Recover the member by hand (etcdctl member remove, member add, then start it on an empty data dir with " +
  "the file's initial-cluster-state existing), or run etcd without the file (bitnami chart: no configuration or " +
  "existingConfigmap), then run again";

describe("guard of a member whose etcd reads a configuration file", () => {
  it.each<[string, (container: V1Container) => void, string]>([
    [
      "the flag",
      (c) => (c.args = ["--config-file=/opt/bitnami/etcd/conf/etcd.yaml"]),
      "--config-file /opt/bitnami/etcd/conf/etcd.yaml",
    ],
    [
      "the flag in a script",
      (c) => (c.command = ["sh", "-c", "exec etcd --config-file /etc/etcd/etcd.yaml"]),
      "--config-file /etc/etcd/etcd.yaml",
    ],
    [
      "the variable",
      (c) => c.env?.push({ name: "ETCD_CONFIG_FILE", value: "/opt/bitnami/etcd/conf/etcd.yaml" }),
      "ETCD_CONFIG_FILE /opt/bitnami/etcd/conf/etcd.yaml",
    ],
  ])(
    "refuses a StatefulSet member up front when it is given by %s, changing nothing",
    async (_how, configure, named) => {
      const world = new FakeStatefulSetWorld();
      world.crashLoop(3);
      configure(world.container());
      const before = structuredClone(world.set);
      for (const mode of ["observe", "act"] as const) {
        const result = await runRecovery(world.context({ mode }));
        expect(result.outcome).toBe("refused");
        expect(result.error).toMatchObject({ reason: "config-file" });
        expect(result.reason).toBe(message("StatefulSet example", "example-2", named));
      }
      expect(world.calls).toEqual([]);
      expect(world.set).toEqual(before);
    },
  );

  it("refuses a Deployment member the same way", async () => {
    const world = new FakeWorld();
    world.crashLoop(3);
    world.deployments.get("example-3")?.spec?.template.spec?.containers[0]?.args?.push("--config-file=/etc/etcd.yaml");
    const before = structuredClone(world.deployments.get("example-3"));
    const result = await runRecovery(world.context());
    expect(result.outcome).toBe("refused");
    expect(result.reason).toBe(message("Deployment example-3", "example3", "--config-file /etc/etcd.yaml"));
    expect(world.calls.filter((c) => !c.startsWith("lease"))).toEqual([]);
    expect(world.deployments.get("example-3")).toEqual(before);
  });

  it("passes a member whose etcd takes its settings from flags and variables alone", async () => {
    const world = new FakeStatefulSetWorld();
    world.crashLoop(3);
    world.container().env?.push({ name: "ETCD_CONFIG_FILE", value: "" });
    expect((await runRecovery(world.context({ mode: "observe" }))).outcome).toBe("succeeded");
  });
});
