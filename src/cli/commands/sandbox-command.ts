import { startSandbox } from "../../sandbox/sandbox.js";
import { createLogger } from "../../observability/logger.js";
import { integerOption, parseOptions } from "../parse-options.js";
import { UsageError } from "../usage-error.js";
import { waitForShutdownSignal } from "../shutdown-signal.js";

export const SANDBOX_USAGE =
  "etcd-responder sandbox --dir DIR [--members N] [--name NAME] [--namespace NS] [--clusters K] [--backoff-ms MS] [--tls]";

/** Runs a local Kubernetes-compatible cluster with real etcd members in the foreground until SIGINT/SIGTERM. */
export async function sandboxCommand(argv: string[]): Promise<number> {
  const values = parseOptions("sandbox", argv, {
    dir: { type: "string" },
    members: { type: "string" },
    name: { type: "string" },
    namespace: { type: "string" },
    clusters: { type: "string" },
    "backoff-ms": { type: "string" },
    tls: { type: "boolean" },
  });
  if (!values.dir) throw new UsageError(`sandbox: --dir is required (${SANDBOX_USAGE})`);
  const name = values.name ?? "example";
  const namespace = values.namespace ?? "default";
  for (const [flag, value] of [
    ["name", name],
    ["namespace", namespace],
  ] as const) {
    if (!/^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$/.test(value)) {
      throw new UsageError(
        `--${flag} must be a DNS-1123 label of at most 32 characters (lower-case letters, digits, '-'), got "${value}"`,
      );
    }
  }
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? "info" });
  const shutdown = waitForShutdownSignal();
  const sandbox = await startSandbox({
    dir: values.dir,
    members: integerOption("members", values.members, 5, 1, 9),
    name,
    namespace,
    clusters: integerOption("clusters", values.clusters, 1, 1, 26),
    backoffMs: integerOption("backoff-ms", values["backoff-ms"], 1000, 10, 600_000),
    tls: values.tls ?? false,
    logger,
  });
  logger.info(
    { kubeconfig: sandbox.info.kubeconfig, apiServer: sandbox.info.apiServer, metricsURL: sandbox.info.metricsURL },
    `sandbox ready: export KUBECONFIG=${sandbox.info.kubeconfig}`,
  );
  const signal = await shutdown;
  logger.info({ signal }, "sandbox stopping");
  await sandbox.stop();
  logger.info("sandbox stopped");
  return 0;
}
