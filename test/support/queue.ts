import { randomBytes } from "node:crypto";
import { parseConfig, type ResponderConfig } from "../../src/core/config/load.js";
import type { RecoveryResult, StepRecord } from "../../src/recovery/context.js";
import { systemClock } from "../../src/core/clock.js";
import type { RecoveryRunner } from "../../src/queue/process-recovery.js";
import type { RecoveryRequest, RecoveryTrigger } from "../../src/queue/recovery-queue.js";

/** A Redis key prefix no other test uses. */
export function uniquePrefix(name: string): string {
  return `test-${name}-${randomBytes(4).toString("hex")}`;
}

/**
 * A configuration with cluster `a` (3 members) and `b` (1 member) in namespace `etcd`, fast retries,
 * and `service` overrides as YAML lines (indented under `service:`).
 */
export function testConfig(service: string[] = [], clusterA: string[] = []): ResponderConfig {
  const text = [
    "clusters:",
    "  - name: a",
    "    namespace: etcd",
    "    members: 3",
    ...clusterA.map((line) => `    ${line}`),
    "  - name: b",
    "    namespace: etcd",
    "    members: 1",
    "service:",
    "  retry: { attempts: 3, backoffSeconds: 0.1 }",
    ...service.map((line) => `  ${line}`),
    "",
  ].join("\n");
  return parseConfig(text, "test.yaml");
}

/** A request to recover member `member` of cluster `cluster` (in namespace `etcd` unless given) of `config`. */
export function requestFor(
  config: ResponderConfig,
  cluster: string,
  member: number,
  trigger: RecoveryTrigger = { kind: "manual" },
  namespace = "etcd",
): RecoveryRequest {
  return { target: config.catalog.member(cluster, member, namespace), trigger };
}

/** A finished step record. */
export function step(
  name: StepRecord["name"],
  outcome: StepRecord["outcome"] = "done",
  detail = `${name} ok`,
): StepRecord {
  const now = Date.now();
  return { name, startedAt: now, endedAt: now, outcome, detail };
}

/** One call a scripted runner saw. */
export interface RunnerCall {
  cluster: string;
  member: number;
  mode: "act" | "observe";
  /** 1 for the first call for this member, 2 for the next, … */
  call: number;
}

/**
 * A runner that answers each call from `script` (given the call), reports the answer's steps as they
 * "end", and keeps every call for assertions. Holds for `holdMs` first when given (honouring the signal).
 */
export function scriptedRunner(
  script: (call: RunnerCall) => RecoveryResult,
  options: { holdMs?: number } = {},
): { run: RecoveryRunner; calls: RunnerCall[] } {
  const calls: RunnerCall[] = [];
  const counts = new Map<string, number>();
  const run: RecoveryRunner = async (request, progress, signal) => {
    const { cluster, member } = request.target;
    const key = `${cluster.namespace}/${cluster.name}/${member.index}`;
    const call: RunnerCall = {
      cluster: cluster.name,
      member: member.index,
      mode: request.mode,
      call: (counts.get(key) ?? 0) + 1,
    };
    counts.set(key, call.call);
    calls.push(call);
    if (options.holdMs) await systemClock.sleep(options.holdMs, signal);
    const result = script(call);
    for (const record of result.steps) progress.onStep(record);
    progress.onLine(`ran ${key} in ${request.mode} mode`);
    return result;
  };
  return { run, calls };
}

/** Polls `check` until it returns a value other than undefined; rejects after `timeoutMs` saying what it waited for. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw new Error(`gave up after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
