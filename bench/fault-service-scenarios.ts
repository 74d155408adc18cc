import { apiFaults } from "../test/support/api-faults.js";
import type { SandboxService } from "../test/support/service-stack.js";
import { openRecoveries } from "../test/support/service-api.js";
import {
  freezeProcess,
  oneAtATime,
  recoverWithServiceFault,
  restartRedisUnderRecoveries,
  type FaultedRecovery,
} from "../test/support/service-fault-scenarios.js";
import type { FaultBed } from "./fault-bed.js";
import type { Scenario, Verdict } from "./fault-scenario.js";

/** Redis as the README asks for it: every write in the append-only file before it is answered. */
export const DURABLE_REDIS = ["--appendonly", "yes", "--appendfsync", "always"] as const;
const FROZEN_MS = 10_000;

/** Checks that the service has no recovery of the cluster left queued or running: every job ended. */
async function expectNoJobLeft(verdict: Verdict, service: SandboxService): Promise<void> {
  await verdict.check("no job lost", async () => {
    const open = await openRecoveries(service.api, "example");
    if (open.length) throw new Error(`still open: ${open.map((r) => `${r.id} ${r.state}`).join(", ")}`);
  });
}

/** Checks that a recovery ended succeeded, or failed with a record saying the state its member was left in. */
async function expectEndedWell(verdict: Verdict, { record }: FaultedRecovery): Promise<void> {
  await verdict.check("the recovery completes or fails saying the member's state", () => {
    if (record.state === "succeeded" || (record.state === "failed" && record.leftChanged)) return;
    throw new Error(`${record.state}: ${record.reason ?? record.error ?? ""}`);
  });
}

/** How a recovery the service ran ended, for the table. */
function ended({ record }: FaultedRecovery): string {
  const attempts = `${record.attempts} attempt${record.attempts === 1 ? "" : "s"}`;
  return `${record.state} after ${attempts}${record.leftChanged ? ` (${record.leftChanged})` : ""}`;
}

/**
 * The faults met by the service (receiver and worker in one process, Redis with its append-only file) that
 * `service` runs for the bed's sandbox: Redis restarted under a running and a queued recovery, the API answering 500
 * to everything for 5 s, the API server frozen for 10 s; the last two once the member's workload was changed.
 */
export function serviceFaultScenarios(service: SandboxService): Scenario[] {
  const redisRestart: Scenario = {
    name: "Redis (AOF) restarted while one recovery runs and one is queued",
    async run(bed, verdict) {
      const members = [bed.nextMember(), bed.nextMember()];
      await Promise.all(members.map((m) => bed.breakMember(m)));
      const outcome = await restartRedisUnderRecoveries(service.api, service.redis, DURABLE_REDIS, "example", members);
      await verdict.check("Redis restarted with one recovery running and one queued", () => {
        if (outcome.statesAtRestart.join() !== "queued,running") throw new Error(outcome.statesAtRestart.join(", "));
      });
      await verdict.check("both recoveries succeed", () => {
        const states = outcome.records.map((r) => r.state);
        if (states.some((s) => s !== "succeeded")) throw new Error(states.join(", "));
      });
      await verdict.check("one at a time", () => {
        if (!oneAtATime(outcome.records)) throw new Error("their steps overlapped");
      });
      await expectNoJobLeft(verdict, service);
      const states = outcome.records.map((r) => `member ${r.member} ${r.state}`).join(", ");
      return `states at the restart: ${outcome.statesAtRestart.join(", ")}; ${states}, one at a time`;
    },
  };
  const serverErrors: Scenario = {
    name: "API answers 500 to every request for 5 s after Stop/Hold (service)",
    async run(bed, verdict) {
      const faults = apiFaults(bed.sandbox.info.kubeconfig);
      const member = bed.nextMember();
      await bed.breakMember(member);
      try {
        const faulted = await recoverWithServiceFault(service.api, "example", member, () =>
          faults.turnOn({ kind: "answer", code: 500, forMs: 5000 }),
        );
        const hits = (await faults.clear()).faults[0]?.hits ?? 0;
        await expectEndedWell(verdict, faulted);
        await expectNoJobLeft(verdict, service);
        return `member ${member}: ${ended(faulted)}; ${hits} requests answered 500`;
      } finally {
        await faults.clear();
      }
    },
  };
  const frozen: Scenario = {
    name: "API server frozen (SIGSTOP) for 10 s after Stop/Hold (service)",
    async run(bed: FaultBed, verdict) {
      const member = bed.nextMember();
      await bed.breakMember(member);
      const faulted = await recoverWithServiceFault(service.api, "example", member, async () => {
        const from = Date.now();
        await freezeProcess(bed.sandbox.pid, FROZEN_MS);
        // With isolated Pods the host reaches etcd through the sandbox's Service proxy, frozen too; a look that
        // began up to 3 s before (its deadline) waited into the freeze, and a member asked during it still owes
        // that read for up to 3 s after.
        if (bed.sandbox.info.isolation === "namespaces")
          verdict.excusedLooks.push({ from: from - 3000, to: Date.now() + 3000 });
      });
      await expectEndedWell(verdict, faulted);
      await expectNoJobLeft(verdict, service);
      const excused = verdict.excusedLooks.length ? "; quorum looks through the frozen proxy not counted" : "";
      return `member ${member}: ${ended(faulted)}${excused}`;
    },
  };
  return [redisRestart, serverErrors, frozen];
}
