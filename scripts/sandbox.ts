// The etcd sandbox: a local Kubernetes-compatible cluster (packages/kube-sandbox) running the example etcd
// clusters as real etcd processes, with a responder configuration for them. In the foreground until SIGINT
// or SIGTERM:  npm run sandbox -- --dir DIR [--members N] [--name NAME] [--namespace NS] [--clusters K]
//                                 [--backoff-ms MS] [--tls] [--isolation auto|namespaces|loopback]
//                                 [--workload deployment|statefulset] [--statefulset-name NAME]
//                                 [--cluster-domain DOMAIN]
import { createLogger, isIsolationMode } from "kube-sandbox";
import { DNS_1123_SUBDOMAIN } from "../src/cli/example-cluster-manifests.js";
import { integerOption, parseOptions, UsageError } from "../src/cli/options.js";
import { waitForShutdownSignal } from "../src/service/run-service.js";
import { isSandboxWorkload, startEtcdSandbox } from "../test/support/etcd-sandbox.js";

const USAGE =
  "npm run sandbox -- --dir DIR [--members N] [--name NAME] [--namespace NS] [--clusters K] [--backoff-ms MS] [--tls]" +
  " [--isolation auto|namespaces|loopback] [--workload deployment|statefulset] [--statefulset-name NAME]" +
  " [--cluster-domain DOMAIN]";

async function main(argv: string[]): Promise<number> {
  const values = parseOptions("sandbox", argv, {
    dir: { type: "string" },
    members: { type: "string" },
    name: { type: "string" },
    namespace: { type: "string" },
    clusters: { type: "string" },
    "backoff-ms": { type: "string" },
    tls: { type: "boolean" },
    isolation: { type: "string" },
    workload: { type: "string" },
    "statefulset-name": { type: "string" },
    "cluster-domain": { type: "string" },
  });
  if (!values.dir) throw new UsageError(`sandbox: --dir is required (${USAGE})`);
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
  const isolation = values.isolation ?? "auto";
  if (!isIsolationMode(isolation)) {
    throw new UsageError(`--isolation must be auto, namespaces or loopback, got "${isolation}"`);
  }
  const workload = values.workload ?? "deployment";
  if (!isSandboxWorkload(workload)) {
    throw new UsageError(`--workload must be deployment or statefulset, got "${workload}"`);
  }
  const statefulSetName = values["statefulset-name"];
  const clusterDomain = values["cluster-domain"];
  if ((statefulSetName !== undefined || clusterDomain !== undefined) && workload !== "statefulset") {
    throw new UsageError("--statefulset-name and --cluster-domain need --workload statefulset");
  }
  if (statefulSetName !== undefined && !/^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$/.test(statefulSetName)) {
    throw new UsageError(
      `--statefulset-name must be a DNS-1035 label of at most 32 characters, got "${statefulSetName}"`,
    );
  }
  if (clusterDomain !== undefined && !DNS_1123_SUBDOMAIN.test(clusterDomain)) {
    throw new UsageError(`--cluster-domain must be a DNS name such as cluster.local, got "${clusterDomain}"`);
  }
  const options = {
    dir: values.dir,
    members: integerOption("members", values.members, 5, 1, 9),
    name,
    namespace,
    clusters: integerOption("clusters", values.clusters, 1, 1, 26),
    backoffMs: integerOption("backoff-ms", values["backoff-ms"], 1000, 10, 600_000),
    tls: values.tls ?? false,
    isolation,
    workload,
    ...(statefulSetName !== undefined ? { statefulSetName } : {}),
    ...(clusterDomain !== undefined ? { clusterDomain } : {}),
  };
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? "info" });
  const shutdown = waitForShutdownSignal();
  const startedAt = performance.now();
  const sandbox = await startEtcdSandbox({ ...options, logger });
  const { info } = sandbox;
  // From the start of the sandbox to every member Ready; the scripts' loading before it is not counted.
  const startMs = Math.round(performance.now() - startedAt);
  logger.info(
    { kubeconfig: info.kubeconfig, apiServer: info.apiServer, metricsURL: info.metricsURL, startMs },
    `sandbox ready: export KUBECONFIG=${info.kubeconfig}`,
  );
  logger.info({ signal: await shutdown }, "sandbox stopping");
  await sandbox.stop();
  logger.info("sandbox stopped");
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const usage = error instanceof UsageError;
    process.stderr.write(`sandbox: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(usage ? 2 : 1);
  },
);
