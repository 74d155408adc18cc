import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { KubeConfig } from "@kubernetes/client-node";
import type { FaultState } from "kube-sandbox";
import { apiFaults, type ApiFaults } from "../support/api-faults.js";
import { breakUntilCrashLooping } from "../support/crash-looping-member.js";
import { expectEqualHashKV, expectHealthyCluster, writeKeys } from "../support/etcd-cluster-checks.js";
import { kubeConfigFrom } from "../support/pod-watch.js";
import { expectQuorumKept, monitorQuorum, type QuorumSample } from "../support/quorum-monitor.js";
import { runRecover, type RecoverRun } from "../support/recover-cli.js";
import { startSandboxProcess, type SandboxProcess } from "../support/sandbox-process.js";

const KEYS = 30;
/** `recovery.stepTimeoutSeconds` of the sandbox's `responder.yaml`: the deadline of every wait. */
const STEP_TIMEOUT_MS = 60_000;

/**
 * `recover` (whose step lines tell the test when to turn a fault on) recovers a member while the API server
 * answers Deployment updates with 409 Conflict, or with 500 for longer than the responder retries, or keeps cutting
 * the Pod watches the recovery waits on.
 */
describe("recover while the Kubernetes API answers conflicts or errors, or cuts watches", () => {
  let sandbox: SandboxProcess;
  let kc: KubeConfig;
  let faults: ApiFaults;
  const cluster = () => sandbox.info.clusters[0]!;

  beforeAll(async () => {
    sandbox = await startSandboxProcess();
    kc = kubeConfigFrom(sandbox.info.kubeconfig);
    faults = apiFaults(sandbox.info.kubeconfig);
    await writeKeys(sandbox.info, cluster(), "before", KEYS);
  });
  afterEach(async () => {
    await faults?.clear();
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  /** Recovers `member` with `fault` turned on once the output shows `at`; answers the run and the quorum looks. */
  async function recoverWith(
    member: number,
    at: string,
    fault: () => Promise<unknown>,
  ): Promise<{ run: RecoverRun; samples: QuorumSample[] }> {
    await breakUntilCrashLooping(kc, "default", "example", member);
    const quorum = await monitorQuorum(sandbox.info, cluster());
    let run: RecoverRun;
    let samples: QuorumSample[];
    try {
      run = await runRecover(sandbox, "example", member, { whenOutputHas: { text: at, then: fault } });
    } finally {
      samples = await quorum.stop();
    }
    return { run, samples };
  }

  /** The steps' log lines: name and how long each took. */
  function stepDurations(run: RecoverRun): { step: string; durationMs: number }[] {
    return run.logs
      .filter((l) => typeof l.step === "string" && typeof l.durationMs === "number")
      .map((l) => ({ step: l.step as string, durationMs: l.durationMs as number }));
  }

  it("completes when the next three Deployment updates after Stop are answered 409 Conflict", async () => {
    // Stop has marked and scaled the Deployment: the next update is Start's (Verify's, taking the mark away, comes
    // after it). Each conflict makes the responder read the Deployment again and apply its change to that.
    const { run, samples } = await recoverWith(3, "[stop] scaled", () =>
      faults.turnOn({ kind: "answer", code: 409, verbs: ["update"], resources: ["deployments"], requests: 3 }),
    );
    const [fault] = (await faults.clear()).faults;
    expect(run.code, run.stdout + run.stderr.slice(-2000)).toBe(0);
    expect(fault).toMatchObject({ hits: 3, active: false });
    expect(run.stdout).toMatch(/^\[start\] scaled Deployment example-3 to 1/m);
    expectQuorumKept(samples);
    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
    await expectEqualHashKV(sandbox.info, cluster());
  });

  it("ends failed, saying what it left changed, when Start's update keeps failing; run again, completes", async () => {
    // Past the gateway's retries: every update of a Deployment answers 500 until the fault is turned off. Start's
    // update is sent six times in all, then the recovery ends failed; reads still work, so it can tell how it left
    // the member's Deployment.
    const quorum = await monitorQuorum(sandbox.info, cluster());
    let failed: RecoverRun;
    let again: RecoverRun;
    let fault: FaultState | undefined;
    let samples: QuorumSample[];
    try {
      await breakUntilCrashLooping(kc, "default", "example", 5);
      failed = await runRecover(sandbox, "example", 5, {
        whenOutputHas: {
          text: "[stop] scaled",
          then: () =>
            faults.turnOn({ kind: "answer", code: 500, verbs: ["update"], resources: ["deployments"], forMs: 120_000 }),
        },
      });
      [fault] = (await faults.clear()).faults;
      again = await runRecover(sandbox, "example", 5);
    } finally {
      samples = await quorum.stop();
    }
    expect(failed.code, failed.stdout + failed.stderr.slice(-2000)).toBe(1);
    expect(fault?.hits).toBe(6);
    const last = failed.stdout.trim().split("\n").at(-1);
    expect(last).toMatch(/^Failed after .*step start failed .*replace Deployment default\/example-5 failed with 500/);
    expect(last).toMatch(/Deployment example-5 is left at 0 replicas and marked as under recovery since /);
    expect(again.code, again.stdout + again.stderr.slice(-2000)).toBe(0);
    expectQuorumKept(samples);
    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
    await expectEqualHashKV(sandbox.info, cluster());
  });

  it("completes while every watch is cut every 250 ms, and no wait outlives its deadline", async () => {
    // From the Lease on: Stop waits on a Pod watch for the Pod to be gone, Start watches the new Pod for crashes,
    // Verify waits on one for it to be Ready. The cuts go on for 15 s, longer than the recovery takes.
    const { run, samples } = await recoverWith(4, "[lock]", () =>
      faults.turnOn({ kind: "drop-watches", times: 60, everyMs: 250 }),
    );
    const [fault] = (await faults.clear()).faults;
    expect(run.code, run.stdout + run.stderr.slice(-2000)).toBe(0);
    // Watches of the responder were cut (nothing else watches meanwhile), and its waits saw it and listed again.
    expect(fault?.hits).toBeGreaterThan(0);
    expect(run.logs.filter((l) => l.msg === "pod watch failed, listing again").length).toBeGreaterThan(0);
    for (const { step, durationMs } of stepDurations(run)) {
      expect(durationMs, `step ${step}`).toBeLessThan(STEP_TIMEOUT_MS);
    }
    expectQuorumKept(samples);
    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
    await expectEqualHashKV(sandbox.info, cluster());
  });
});
