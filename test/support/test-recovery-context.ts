import { pino } from "pino";
import type { RecoveryContext, StepName, StepRecord } from "../../src/recovery/context.js";

/** What a fake world gives a recovery: its cluster, the member, its gateways and clock, maybe a snapshot folder. */
export type WorldParts = Pick<RecoveryContext, "cluster" | "member" | "kubernetes" | "etcd" | "clock"> &
  Partial<Pick<RecoveryContext, "snapshotDirectory">>;

/**
 * A recovery context over a fake world, acting, with a silent logger and the settings the unit tests assume;
 * `overrides` replace any of it. `lines` collects every line the reporter got, `records` every step that ended.
 */
export function testRecoveryContext(
  parts: WorldParts,
  overrides: Partial<RecoveryContext> = {},
): RecoveryContext & { lines: string[]; records: StepRecord[] } {
  const lines: string[] = [];
  const records: StepRecord[] = [];
  return {
    ...parts,
    settings: { deadAfterSeconds: 5, stepTimeoutSeconds: 60, leaseDurationSeconds: 15 },
    reporter: {
      stepStarted: () => undefined,
      progress: (step: StepName, line: string) => lines.push(`[${step}] ${line}`),
      stepEnded: (record: StepRecord) => {
        records.push(record);
        lines.push(`[${record.name}] ${record.outcome}: ${record.detail}`);
      },
    },
    logger: pino({ level: "silent" }),
    holder: "test-holder",
    mode: "act",
    lines,
    records,
    ...overrides,
  };
}
