import { hostname } from "node:os";
import { pino } from "pino";
import { loadConfig, type ResponderConfig } from "../core/config/load.js";
import type { ResolvedCluster, ResolvedMember } from "../core/config/types.js";
import { ConfigError, NotConfiguredError } from "../core/errors.js";
import { createKubernetesGateway, type KubernetesGateway } from "../gateways/kubernetes/kubernetes-gateway.js";
import { createLogger } from "../core/logger.js";
import { createLineReporter } from "../recovery/report.js";
import { recoverMember } from "../recovery/run-recovery.js";
import type { RecoveryResult } from "../recovery/context.js";
import { processIO, type CommandIO, parseOptions, UsageError } from "./options.js";
import { RECOVER_EXIT_CODES, RECOVER_USAGE } from "./usage.js";

/**
 * Recovers (or, with --dry-run, plans the recovery of) one etcd member, printing each step as it goes.
 * Logs go to standard error as JSON so standard output stays readable. SIGINT/SIGTERM stop the recovery at
 * the next step boundary (the Lease is released); a second signal exits at once.
 */
export async function recoverCommand(argv: string[], io: CommandIO = processIO): Promise<number> {
  const values = parseOptions("recover", argv, {
    config: { type: "string" },
    cluster: { type: "string" },
    namespace: { type: "string" },
    member: { type: "string" },
    "dry-run": { type: "boolean" },
  });
  for (const flag of ["config", "cluster", "member"] as const) {
    if (!values[flag]) throw new UsageError(`recover: --${flag} is required (${RECOVER_USAGE})`);
  }
  const index = Number(values.member);
  if (!Number.isInteger(index) || index < 1)
    throw new UsageError(`recover: --member must be a member number (1, 2, ...), got "${values.member}"`);

  const target = await loadTarget(values.config ?? "", values.cluster ?? "", values.namespace, index, io);
  if (typeof target === "number") return target;
  const { config, cluster, member } = target;
  const dryRun = values["dry-run"] ?? false;

  const logger = createLogger({
    level: io.env.LOG_LEVEL ?? "info",
    destination: pino.destination({ dest: 2, sync: true }),
  });
  let kubernetes: KubernetesGateway;
  try {
    kubernetes = createKubernetesGateway({ logger });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr(`etcd-responder recover: ${error.message}`);
    return 2;
  }
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      io.stderr(
        `etcd-responder recover: ${signal} again: stopping now; the Lease expires on its own; run again to resume`,
      );
      process.exit(1);
    }
    io.stdout(`${signal}: stopping at the next step boundary (send it again to stop at once)`);
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  io.stdout(
    dryRun
      ? `Planning the recovery of ${member.workload.name} (member ${member.name}, dry run) ...`
      : `Recovering ${member.workload.name} (member ${member.name}) ...`,
  );
  const startedAt = Date.now();
  let result: RecoveryResult;
  try {
    result = await recoverMember(
      { config, kubernetes, logger, holder: `${hostname()}-${process.pid}` },
      {
        cluster,
        member,
        mode: dryRun ? "observe" : "act",
        reporter: createLineReporter(io.stdout),
        signal: controller.signal,
      },
    );
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }

  if (result.plan) {
    io.stdout("Plan:");
    result.plan.forEach((line, i) => io.stdout(`  ${i + 1}. ${line}`));
  }
  io.stdout(lastLine(result, (Date.now() - startedAt) / 1000));
  return RECOVER_EXIT_CODES[result.outcome];
}

/** The line that says how it ended and why. */
export function lastLine(result: RecoveryResult, elapsedSeconds: number): string {
  const took = `${elapsedSeconds.toFixed(1)} s`;
  switch (result.outcome) {
    case "succeeded":
      return result.plan
        ? `Dry run, nothing was changed; the recovery would act because: ${result.reason}.`
        : `Done in ${took}: ${result.reason}.`;
    case "skipped":
      return `Nothing to do: ${result.reason}.`;
    case "refused":
      return `Refused, nothing was changed: ${result.reason}.`;
    case "failed":
      return `Failed after ${took}: ${result.reason}.`;
  }
}

/** The configuration, cluster and member, or the exit code after saying what is wrong. */
async function loadTarget(
  path: string,
  clusterName: string,
  namespace: string | undefined,
  index: number,
  io: CommandIO,
): Promise<{ config: ResponderConfig; cluster: ResolvedCluster; member: ResolvedMember } | number> {
  try {
    const config = await loadConfig(path);
    return { config, ...config.catalog.member(clusterName, index, namespace) };
  } catch (error) {
    if (error instanceof ConfigError || error instanceof NotConfiguredError) {
      const where = error instanceof NotConfiguredError ? `${path}: ` : "";
      io.stderr(`etcd-responder recover: ${where}${error.message.split("\n").join("; ")}`);
      return 2;
    }
    throw error;
  }
}
