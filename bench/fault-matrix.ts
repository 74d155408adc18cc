import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { startServiceFor } from "../test/support/service-stack.js";
import { FaultBed, type Layout, type Security } from "./fault-bed.js";
import { runScenario, type Scenario, type ScenarioResult } from "./fault-scenario.js";
import { RECOVER_FAULT_SCENARIOS } from "./fault-recover-scenarios.js";
import { DURABLE_REDIS, serviceFaultScenarios } from "./fault-service-scenarios.js";
import { stepKillScenarios } from "./fault-step-kills.js";
import { workloadLeftovers } from "./workload-marks.js";

const LAYOUTS: readonly Layout[] = ["deployment", "statefulset"];
const SECURITIES: readonly Security[] = ["plain", "tls", "auth"];

/** Every scenario's row, the whole run's time and the host's load around it. */
export interface FaultMatrixResult {
  rows: ScenarioResult[];
  totalSeconds: number;
  /** 1-minute load average at the start and at the end. */
  load: { start: number; end: number };
}

/** A row for scenarios that could not run, and why. */
function notRun(bed: string, name: string, why: unknown): ScenarioResult {
  const text = why instanceof Error ? why.message : String(why);
  return { bed, name, outcome: "not run", violations: [`could not run: ${text.split("\n")[0]}`], seconds: 0 };
}

/** Whether the bed's cluster is as a scenario must find it: five voters with every key, workloads put back. */
async function readyForNext(bed: FaultBed): Promise<boolean> {
  if (!(await bed.healthy())) return false;
  return (await workloadLeftovers(bed.kc, bed.cluster).catch(() => ["unreadable"])).length === 0;
}

/**
 * Runs `scenarios` one after the other on the bed, each from a healthy cluster: a bed a scenario left broken is
 * replaced by a new one (its faults stay in that scenario's row). Resolves with the bed in use at the end.
 */
async function runAll(bed: FaultBed, scenarios: readonly Scenario[], rows: ScenarioResult[]): Promise<FaultBed> {
  for (const scenario of scenarios) {
    if (!(await readyForNext(bed))) {
      await bed.stop();
      bed = await FaultBed.start(bed.layout, bed.security);
    }
    rows.push(await runScenario(bed, scenario));
    console.error(`${rows.at(-1)!.bed}: ${scenario.name}: ${rows.at(-1)!.violations.length ? "VIOLATED" : "ok"}`);
  }
  return bed;
}

/** The service scenarios on a bed, with Redis and the service started for it and stopped again. */
async function runServiceScenarios(bed: FaultBed, rows: ScenarioResult[]): Promise<void> {
  const service = await startServiceFor(bed.sandbox, { args: DURABLE_REDIS }, bed.configs.standard);
  try {
    for (const scenario of serviceFaultScenarios(service)) {
      if (!(await readyForNext(bed))) {
        rows.push(notRun(bed.label, scenario.name, "an earlier scenario left the cluster unhealthy"));
        continue;
      }
      rows.push(await runScenario(bed, scenario));
      console.error(`${rows.at(-1)!.bed}: ${scenario.name}: ${rows.at(-1)!.violations.length ? "VIOLATED" : "ok"}`);
    }
  } finally {
    await service.stop();
  }
}

/**
 * One sandbox per layout and etcd security: every step boundary of the layout's recipe killed and resumed; on the
 * plain one also the API, etcd and service faults.
 */
async function runBed(layout: Layout, security: Security, rows: ScenarioResult[]): Promise<void> {
  let bed = await FaultBed.start(layout, security);
  try {
    bed = await runAll(bed, stepKillScenarios(layout), rows);
    if (security !== "plain") return;
    bed = await runAll(bed, RECOVER_FAULT_SCENARIOS, rows);
    if (!(await readyForNext(bed))) {
      await bed.stop();
      bed = await FaultBed.start(layout, security);
    }
    await runServiceScenarios(bed, rows);
  } finally {
    await bed.stop();
  }
}

/** The fault matrix: every layout × etcd security × step boundary, and the other faults once per layout. */
export async function benchFaultMatrix(): Promise<FaultMatrixResult> {
  const started = performance.now();
  const startLoad = loadavg()[0]!;
  const rows: ScenarioResult[] = [];
  for (const layout of LAYOUTS) {
    for (const security of SECURITIES) {
      try {
        await runBed(layout, security, rows);
      } catch (error) {
        rows.push(notRun(`${layout}, ${security}`, "(the rest of this sandbox's scenarios)", error));
      }
    }
  }
  return { rows, totalSeconds: (performance.now() - started) / 1000, load: { start: startLoad, end: loadavg()[0]! } };
}

/** A table cell: no pipes or line breaks. */
function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

/** The result as a Markdown section for `bench/RESULTS.md`. */
export function renderFaultMatrix(result: FaultMatrixResult): string {
  const passed = result.rows.filter((r) => r.violations.length === 0).length;
  const minutes = Math.floor(result.totalSeconds / 60);
  const rest = Math.round(result.totalSeconds % 60);
  return [
    "### Fault matrix (5-member sandboxes: Deployment members on loopback, StatefulSet members in isolated Pods; " +
      "one sandbox per layout and etcd security)",
    "",
    "| scenario | outcome | time (s) |",
    "|---|---|---|",
    ...result.rows.map((r) => {
      const outcome = r.violations.length ? `**VIOLATED** ${r.violations.join("; ")}; ${r.outcome}` : r.outcome;
      return `| ${cell(`${r.bed}: ${r.name}`)} | ${cell(outcome)} | ${r.seconds.toFixed(1)} |`;
    }),
    "",
    `${result.rows.length} scenarios, ${passed} passed all properties, total ${minutes} min ${rest} s ` +
      `(1-minute load ${result.load.start.toFixed(2)} at the start, ${result.load.end.toFixed(2)} at the end).`,
  ].join("\n");
}
