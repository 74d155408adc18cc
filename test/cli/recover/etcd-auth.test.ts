import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enableSandboxEtcdAuth } from "../../support/etcd-auth.js";
import { startSandboxProcess, type SandboxProcess } from "../../support/sandbox-process.js";
import { breakMember, kubeConfigFrom } from "../../support/pod-watch.js";
import { clusterShape, expectHealthyCluster, writeKeys } from "../../support/etcd-cluster-checks.js";
import { writeServiceConfig } from "../../support/sandbox-config.js";
import { runRecover } from "../../support/recover-cli.js";

const KEYS = 20;
const PASSWORD = "recover-auth-test-password";

describe("recover: etcd with password authentication", () => {
  let sandbox: SandboxProcess;
  let config: string;
  const cluster = () => sandbox.info.clusters[0]!;

  beforeAll(async () => {
    sandbox = await startSandboxProcess();
    await writeKeys(sandbox.info, cluster(), "before", KEYS);
    config = await writeServiceConfig(sandbox, "auth.yaml", {
      clusterAuth: await enableSandboxEtcdAuth(sandbox, PASSWORD),
    });
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it("recovers a member and promotes its learner, although a learner refuses to authenticate anyone", async () => {
    const kc = kubeConfigFrom(sandbox.info.kubeconfig);
    await breakMember(kc, "default", "example", 2);
    const idsBefore = (await clusterShape(sandbox.info, cluster())).ids;
    const run = await runRecover(sandbox, "example", 2, { config });
    expect(run.code, run.stdout + run.stderr.slice(-2000)).toBe(0);
    for (const step of ["remove", "add", "start", "promote", "verify"]) expect(run.stdout).toContain(`[${step}]`);
    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
    const idsAfter = (await clusterShape(sandbox.info, cluster())).ids;
    expect(idsAfter.example2).not.toBe(idsBefore.example2);
    // The password never reaches the output.
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);
  });
});
