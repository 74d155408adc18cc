import type { FaultSpec } from "kube-sandbox";
import { apiFaults } from "../test/support/api-faults.js";
import { leaderPod } from "../test/support/etcd-leader.js";
import { killContainer } from "../test/support/pod-watch.js";
import type { RecoverRun } from "../test/support/recover-cli.js";
import type { FaultBed } from "./fault-bed.js";
import { firstLineOf, type Scenario, type Verdict } from "./fault-scenario.js";
import { exitMeaning, expectCompleted, expectCompletedOrFailedSayingState } from "./recover-outcome.js";

/** `recovery.stepTimeoutSeconds` of the sandbox's own configuration: no wait may outlive it. */
const STEP_TIMEOUT_MS = 60_000;
/** The first output line of Remove: Stop (or Hold) has ended, the member's workload is changed. */
const AT_REMOVE = "[remove] ";

/** The workload resource the recovery updates in Start: the member's Deployment, or the StatefulSet. */
function workloadResource(bed: FaultBed): string {
  return bed.layout === "deployment" ? "deployments" : "statefulsets";
}

/**
 * Breaks a member and runs `recover` on `config`, turning `fault` on once the output shows `at`; the sandbox's
 * fault switch is turned off again afterwards, whatever happened. Resolves with the run and what the fault did.
 */
async function recoverWithApiFault(
  bed: FaultBed,
  config: string,
  at: string,
  fault: FaultSpec,
): Promise<{ member: number; run: RecoverRun; hits: number }> {
  const faults = apiFaults(bed.sandbox.info.kubeconfig);
  const member = bed.nextMember();
  await bed.breakMember(member);
  try {
    const run = await bed.recover(member, { config, whenOutputHas: { text: at, then: () => faults.turnOn(fault) } });
    const [state] = (await faults.clear()).faults;
    return { member, run, hits: state?.hits ?? 0 };
  } finally {
    await faults.clear();
  }
}

/** Checks that no step of the run took longer than the step deadline, from its step log lines. */
async function expectStepsWithinDeadline(verdict: Verdict, run: RecoverRun): Promise<void> {
  await verdict.check("no wait outlives its deadline", () => {
    const slow = run.logs.filter((l) => typeof l.durationMs === "number" && l.durationMs >= STEP_TIMEOUT_MS);
    if (slow.length) throw new Error(slow.map((l) => `${String(l.step)} ${String(l.durationMs)} ms`).join(", "));
  });
}

/** The next three updates of the member's workload after Stop (or Hold) answered 409 Conflict. */
const conflicts: Scenario = {
  name: "API answers 409 to the next 3 workload updates after Stop/Hold",
  async run(bed, verdict) {
    const fault: FaultSpec = { kind: "answer", code: 409, verbs: ["update"], resources: [workloadResource(bed)] };
    const { member, run, hits } = await recoverWithApiFault(bed, bed.configs.standard, AT_REMOVE, {
      ...fault,
      requests: 3,
    });
    await expectCompleted(verdict, "the recovery", run, false);
    return `member ${member}: ${exitMeaning(run)}; ${hits} updates answered 409`;
  },
};

/** Every workload update answered 500 past the retries: the recovery fails saying the state; a rerun completes. */
const errorsPastRetries: Scenario = {
  name: "API answers 500 to every workload update past the retries, then run again",
  async run(bed, verdict) {
    const fault: FaultSpec = { kind: "answer", code: 500, verbs: ["update"], resources: [workloadResource(bed)] };
    const { member, run, hits } = await recoverWithApiFault(bed, bed.configs.standard, AT_REMOVE, {
      ...fault,
      forMs: 120_000,
    });
    await expectCompletedOrFailedSayingState(verdict, "the faulted recovery", run);
    const again = await bed.recover(member, { config: bed.configs.standard });
    await expectCompleted(verdict, "the rerun", again, false);
    return `member ${member}: ${exitMeaning(run)} after ${hits} answers of 500; rerun ${exitMeaning(again)}`;
  },
};

/** Every watch cut every 250 ms for 15 s from the Lease on. */
const droppedWatches: Scenario = {
  name: "every watch cut every 250 ms for 15 s",
  async run(bed, verdict) {
    const { member, run, hits } = await recoverWithApiFault(bed, bed.configs.standard, "[lock]", {
      kind: "drop-watches",
      times: 60,
      everyMs: 250,
    });
    await expectCompleted(verdict, "the recovery", run, false);
    await expectStepsWithinDeadline(verdict, run);
    const relisted = run.logs.filter((l) => l.msg === "pod watch failed, listing again").length;
    return `member ${member}: ${exitMeaning(run)}; ${hits} watches cut, ${relisted} waits listed again`;
  },
};

/** A second member loses its data while Remove runs; both are recovered afterwards. */
const secondMemberLost: Scenario = {
  name: "a second member loses its data mid-recovery (at Remove), both run again",
  async run(bed, verdict) {
    const member = bed.nextMember();
    const other = bed.otherMember(member);
    await bed.breakMember(member);
    const config = bed.configs.shortSteps;
    // etcd decides how a member that lost its data comes back: it may not crash-loop (a leader that has not heard
    // from it since its election sends it the log instead). That is the fault's outcome, not the responder's: the
    // reruns go on either way, and the checks after the scenario judge how the cluster ends.
    let broken = `member ${other} broken at Remove`;
    const first = await bed.recover(member, {
      config,
      whenOutputHas: {
        text: AT_REMOVE,
        then: () =>
          bed.breakMember(other).catch((error: unknown) => {
            broken = `member ${other}'s data lost at Remove, but: ${firstLineOf(error)}`;
            // The whole error (with the member's last log lines) goes to the benchmark's output.
            console.error(`${bed.label}: member ${other} after losing its data:`, error);
          }),
      },
    });
    await expectCompletedOrFailedSayingState(verdict, "the faulted recovery", first);
    const reruns: string[] = [];
    for (const index of [member, other]) {
      const run = await bed.recover(index, { config });
      await expectCompleted(verdict, `the rerun of member ${index}`, run);
      reruns.push(`member ${index} ${exitMeaning(run)}`);
    }
    return `member ${member}: ${exitMeaning(first)} (${broken}); reruns: ${reruns.join(", ")}`;
  },
};

/** The etcd leader's container SIGKILLed right after the learner was added. */
const leaderKilled: Scenario = {
  name: "the etcd leader killed right after Add",
  async run(bed, verdict) {
    const member = bed.nextMember();
    await bed.breakMember(member);
    let killed = "";
    const run = await bed.recover(member, {
      config: bed.configs.shortSteps,
      whenOutputHas: {
        text: "[add] ",
        then: async () => {
          const pod = await leaderPod(bed.kc, bed.sandbox.info, bed.cluster);
          await killContainer(bed.kc, "default", pod);
          killed = pod;
        },
      },
    });
    await expectCompleted(verdict, "the recovery", run, false);
    return `member ${member}: ${exitMeaning(run)}; leader Pod ${killed || "(not killed)"} killed`;
  },
};

/** The Kubernetes API and etcd faults `recover` meets, once per layout. */
export const RECOVER_FAULT_SCENARIOS: readonly Scenario[] = [
  conflicts,
  errorsPastRetries,
  droppedWatches,
  secondMemberLost,
  leaderKilled,
];
