import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeConfig } from "@kubernetes/client-node";
import { startSandboxProcess, type SandboxProcess } from "../../support/sandbox-process.js";
import { writeServiceConfig } from "../../support/sandbox-config.js";
import { kubeConfigFrom } from "../../support/pod-watch.js";
import { expectEqualHashKV, expectHealthyCluster, writeKeys } from "../../support/etcd-cluster-checks.js";
import { runRecover } from "../../support/recover-cli.js";
import { loseMemberData, podIdentities, readStatefulSet, responderMarks } from "../../support/statefulset-member.js";

const KEYS = 20;
const HEALTHY = ["example-0", "example-1", "example-2", "example-3"];

describe("recover: a StatefulSet member's recovery killed at a step boundary and run again", () => {
  let sandbox: SandboxProcess;
  let kc: KubeConfig;
  let shortLease: string;
  const cluster = () => sandbox.info.clusters[0]!;

  beforeAll(async () => {
    sandbox = await startSandboxProcess({ workload: "statefulset", members: 5 });
    kc = kubeConfigFrom(sandbox.info.kubeconfig);
    await writeKeys(sandbox.info, cluster(), "before", KEYS);
    // A killed recovery's Lease must expire before the next run can take it: keep that short here.
    shortLease = await writeServiceConfig(sandbox, "short-lease.yaml", { leaseDurationSeconds: 3 });
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  for (const step of ["hold", "remove", "add", "start", "promote", "verify"]) {
    it(`finishes with all members voting, all keys and the StatefulSet as it was, killed at [${step}]`, async () => {
      const healthy = await podIdentities(kc, "default", HEALTHY);
      await loseMemberData(kc, "default", "example-4", "data-example-4");
      const killed = await runRecover(sandbox, "example", 5, { config: shortLease, killWhenOutputHas: `[${step}]` });
      expect(killed.code, killed.stdout).toBeNull();

      const again = await runRecover(sandbox, "example", 5, { config: shortLease });
      // Killed at [verify], the first run may have restored the StatefulSet before the kill landed: the second then
      // finds nothing left to do (exit 3). Either way one of them restored it and saw every member vote.
      const finished = killed.stdout.includes("[restore] ") ? killed : again;
      expect(again.code, `${again.stdout}\n${again.stderr.slice(-2000)}`).toBe(finished === killed ? 3 : 0);
      expect(finished.stdout).toMatch(/\[restore\] /);
      expect(finished.stdout).toMatch(/5 voting members answer/);
      await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
      await expectEqualHashKV(sandbox.info, cluster());
      const set = await readStatefulSet(kc, "default", "example");
      expect(set.spec?.updateStrategy?.type ?? "RollingUpdate").toBe("RollingUpdate");
      expect(responderMarks(set)).toEqual([]);
      expect(await podIdentities(kc, "default", HEALTHY)).toEqual(healthy);
    });
  }
});
