import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppsV1Api, CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { RECOVERY_UNDER_WAY_ANNOTATION } from "../../../src/core/labels.js";
import { startSandboxProcess, type SandboxProcess } from "../../support/sandbox-process.js";
import { breakMember, kubeConfigFrom } from "../../support/pod-watch.js";
import { expectHealthyCluster, writeKeys } from "../../support/etcd-cluster-checks.js";
import { writeServiceConfig } from "../../support/sandbox-config.js";
import { runRecover } from "../../support/recover-cli.js";

const KEYS = 20;

describe("recover: a run that resumes a recovery an earlier attempt had started", () => {
  let sandbox: SandboxProcess;
  let kc: KubeConfig;
  const cluster = () => sandbox.info.clusters[0]!;
  const deployment = async () =>
    kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: "example-2", namespace: "default" });

  beforeAll(async () => {
    sandbox = await startSandboxProcess();
    kc = kubeConfigFrom(sandbox.info.kubeconfig);
    await writeKeys(sandbox.info, cluster(), "before", KEYS);
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it("ends failed, never refused, naming the stopped Deployment; a later run clears the mark", async () => {
    await breakMember(kc, "default", "example", 2);
    const killed = await runRecover(sandbox, "example", 2, { killWhenOutputHas: "[stop]" });
    expect(killed.code).toBeNull();
    const stopped = await deployment();
    expect(stopped.spec?.replicas).toBe(0);
    expect(JSON.parse(stopped.metadata?.annotations?.[RECOVERY_UNDER_WAY_ANNOTATION] ?? "{}")).toMatchObject({
      since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
    });

    // Members 3 to 5 run, but this run cannot reach them: it sees quorum lost, as a run under a slow etcd did.
    const blind = await writeServiceConfig(sandbox, "blind.yaml", { unreachableMembers: [3, 4, 5] });
    const resumed = await runRecover(sandbox, "example", 2, { config: blind });
    const last = resumed.stdout.trim().split("\n").at(-1) ?? "";
    expect(resumed.code, resumed.stdout + resumed.stderr.slice(-2000)).toBe(1);
    expect(last).toMatch(/quorum is lost/);
    expect(last).toMatch(/Deployment example-2 is left at 0 replicas and marked as under recovery since/);
    expect(resumed.stdout).toMatch(/an earlier attempt changed the member/);
    // Each member that does not answer is named, with the reason.
    for (const index of [3, 4, 5])
      expect(resumed.stdout).toMatch(
        new RegExp(`member example${index} \\(http://127\\.0\\.0\\.${index}:9\\) does not answer: .*`),
      );
    expect((await deployment()).spec?.replicas).toBe(0);
    const events = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({
      namespace: "default",
      fieldSelector: "involvedObject.name=example-2",
    });
    expect(events.items.map((e) => [e.type, e.reason])).toContainEqual(["Warning", "RecoveryFailed"]);
    expect(events.items.map((e) => e.reason)).not.toContain("RecoveryRefused");

    const finished = await runRecover(sandbox, "example", 2);
    expect(finished.code, finished.stdout + finished.stderr.slice(-2000)).toBe(0);
    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
    expect((await deployment()).metadata?.annotations?.[RECOVERY_UNDER_WAY_ANNOTATION]).toBeUndefined();
  });
});
