import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeConfig, V1PolicyRule } from "@kubernetes/client-node";
import { startSandboxProcess, type SandboxProcess } from "../../support/sandbox-process.js";
import { kubeConfigFrom } from "../../support/pod-watch.js";
import { breakUntilCrashLooping } from "../../support/crash-looping-member.js";
import { clusterShape, expectHealthyCluster, writeKeys } from "../../support/etcd-cluster-checks.js";
import { runRecover, type RecoverRun } from "../../support/recover-cli.js";
import { objectsOfKind, renderChart } from "../../support/helm-chart.js";
import { memberWorld, refusalEvents } from "../../support/refusal-checks.js";
import { createRestrictedIdentity, withoutVerb, type RestrictedIdentity } from "../../support/restricted-identity.js";

const KEYS = 20;
const NS = "default";

// The responder runs as a ServiceAccount bound to a Role with the Helm chart's own rules, not as the sandbox's
// admin (who may do everything), so that RBAC decides what it may do as it would in a real cluster.
describe("recover as a ServiceAccount with the chart's Role: its permissions are checked before any change", () => {
  let sandbox: SandboxProcess;
  let kc: KubeConfig;
  let chartRules: V1PolicyRule[];
  let identity: RestrictedIdentity;
  const cluster = () => sandbox.info.clusters[0]!;

  beforeAll(async () => {
    const [started, chart] = await Promise.all([startSandboxProcess(), renderChart()]);
    sandbox = started;
    kc = kubeConfigFrom(sandbox.info.kubeconfig);
    chartRules = objectsOfKind(chart, "Role")[0]!.rules as V1PolicyRule[];
    identity = await createRestrictedIdentity(kc, sandbox.dir, NS, "etcd-responder", chartRules);
    await writeKeys(sandbox.info, cluster(), "before", KEYS);
    await breakUntilCrashLooping(kc, NS, "example", 3);
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  const world = () => memberWorld(kc, sandbox.info, cluster(), "example-3");

  function lastLine(run: RecoverRun): string {
    return run.stdout.trim().split("\n").at(-1) ?? "";
  }

  const cases = [
    {
      what: "update on deployments (used only by Start)",
      rules: () => withoutVerb(chartRules, "apps", "deployments", "update"),
      permission: "update deployments.apps in namespace default",
      rule: '- apiGroups: ["apps"] resources: ["deployments"] verbs: ["update"]',
    },
    {
      what: "get on pods/log (used by Diagnose, before the first change)",
      rules: () => withoutVerb(chartRules, "", "pods/log", "get"),
      permission: "get pods/log in namespace default",
      rule: '- apiGroups: [""] resources: ["pods/log"] verbs: ["get"]',
    },
  ];

  for (const { what, rules, permission, rule } of cases) {
    it(`is refused up front without ${what}: exit 4, the permission and the rule named, nothing changed`, async () => {
      await identity.setRules(rules());
      const before = await world();
      expect(before.leases).toEqual([]);
      const run = await runRecover(sandbox, "example", 3, { kubeconfig: identity.kubeconfig });
      expect(run.code, run.stdout + run.stderr.slice(-2000)).toBe(4);
      expect(lastLine(run)).toMatch(/^Refused, nothing was changed: /);
      expect(lastLine(run)).toContain(permission);
      expect(lastLine(run)).toContain(rule);
      expect(run.stdout).not.toContain("[lock]");
      expect(await world()).toEqual(before);
      expect((await refusalEvents(kc, NS, "example-3")).some((message) => message.includes(permission))).toBe(true);
    });
  }

  it("recovers the member with the chart's whole Role", async () => {
    await identity.setRules(chartRules);
    const idsBefore = (await clusterShape(sandbox.info, cluster())).ids;
    const run = await runRecover(sandbox, "example", 3, { kubeconfig: identity.kubeconfig });
    expect(run.code, run.stdout + run.stderr.slice(-2000)).toBe(0);
    expect(run.stdout).toMatch(/\[permissions\] the responder may make all 11 kinds of request/);
    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
    const idsAfter = (await clusterShape(sandbox.info, cluster())).ids;
    expect(idsAfter.example3).not.toBe(idsBefore.example3);
  });
});
