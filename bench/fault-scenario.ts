import { performance } from "node:perf_hooks";
import { messageOf } from "../src/core/errors.js";
import { expectEqualHashKV, expectHealthyCluster } from "../test/support/etcd-cluster-checks.js";
import { expectQuorumKept, monitorQuorum, type QuorumSample } from "../test/support/quorum-monitor.js";
import { workloadLeftovers } from "./workload-marks.js";
import { KEY_COUNT, KEY_PREFIX, type FaultBed } from "./fault-bed.js";

/** The properties a scenario broke, each with what was seen. */
export class Verdict {
  readonly violations: string[] = [];
  /** Looks at the quorum that do not count: taken while the fault itself cut the monitor off from etcd. */
  readonly excusedLooks: { from: number; to: number }[] = [];

  /** Runs `check`; a failure is recorded as a violation of `property`, never thrown. */
  async check(property: string, check: () => unknown): Promise<void> {
    try {
      await check();
    } catch (error) {
      this.violated(property, error);
    }
  }

  /** Records that `property` does not hold, with the first line of `why`. */
  violated(property: string, why: unknown): void {
    this.violations.push(`${property}: ${firstLineOf(why)}`);
  }
}

/** The first non-blank line of an error's message (or of the value), at most 240 characters. */
export function firstLineOf(why: unknown): string {
  const text = messageOf(why);
  return (text.split("\n").find((line) => line.trim() !== "") ?? "").slice(0, 240);
}

/** One fault in one sandbox. `run` breaks what it needs, injects the fault, and answers how the recovery ended. */
export interface Scenario {
  name: string;
  run(bed: FaultBed, verdict: Verdict): Promise<string>;
}

/** A row of the table. */
export interface ScenarioResult {
  bed: string;
  name: string;
  outcome: string;
  violations: string[];
  seconds: number;
}

/**
 * Runs a scenario and checks, besides what it checks itself, the properties every scenario must keep: a quorum at
 * every look while it ran, every member a Ready voter (no learner, no duplicate) with every key written before,
 * equal hashKV on every member, and the workloads put back as they were (no mark, no member left stopped). A
 * scenario that throws counts as a violation; nothing is thrown from here.
 */
export async function runScenario(bed: FaultBed, scenario: Scenario): Promise<ScenarioResult> {
  const started = performance.now();
  const verdict = new Verdict();
  const quorum = await monitorQuorum(bed.sandbox.info, bed.cluster);
  let outcome = "did not end";
  let samples: QuorumSample[];
  try {
    outcome = await scenario.run(bed, verdict);
  } catch (error) {
    verdict.violated("the scenario ran to its end", error);
  } finally {
    samples = await quorum.stop();
  }
  const counted = samples.filter((s) => !verdict.excusedLooks.some((w) => s.at >= w.from && s.at <= w.to));
  await verdict.check("quorum kept", () => {
    const lost = counted.filter((s) => s.failure !== undefined);
    // Said here in one line, with what the first failed look met; the shared assertion covers the rest.
    if (lost.length)
      throw new Error(`${lost.length} of ${counted.length} looks without quorum, first: ${lost[0]!.failure}`);
    expectQuorumKept(counted);
  });
  await verdict.check("members and keys", () => expectHealthyCluster(bed.sandbox, bed.cluster, KEY_PREFIX, KEY_COUNT));
  await verdict.check("hashKV equal", () => expectEqualHashKV(bed.sandbox.info, bed.cluster));
  await verdict.check("workloads put back", async () => {
    const leftovers = await workloadLeftovers(bed.kc, bed.cluster);
    if (leftovers.length) throw new Error(leftovers.join("; "));
  });
  const seconds = (performance.now() - started) / 1000;
  return { bed: bed.label, name: scenario.name, outcome, violations: verdict.violations, seconds };
}
