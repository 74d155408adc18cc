import { join, resolve } from "node:path";
import { startSandbox } from "../../sandbox/sandbox.js";
import { createLogger } from "../../observability/logger.js";
import { parseOptions } from "../parse-options.js";
import { waitForShutdownSignal } from "../shutdown-signal.js";

export const DEMO_USAGE = "etcd-responder demo [--dir DIR]";

/**
 * The README's demo: a sandbox with the 5-member example cluster, and what to try against it.
 * Runs until SIGINT/SIGTERM.
 */
export async function demoCommand(argv: string[]): Promise<number> {
  const values = parseOptions("demo", argv, { dir: { type: "string" } });
  const dir = resolve(values.dir ?? ".sandbox-demo");
  // The demo talks to a person: only warnings and errors as log lines.
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? "warn" });
  const shutdown = waitForShutdownSignal();
  const say = (line = "") => process.stdout.write(`${line}\n`);
  say("Starting a sandbox: a Kubernetes-compatible API server and 5 real etcd members ...");
  const sandbox = await startSandbox({ dir, logger });
  const kubectl = `kubectl --kubeconfig ${sandbox.info.kubeconfig}`;
  say(`sandbox ready: API server ${sandbox.info.apiServer}, kube-state-metrics ${sandbox.info.metricsURL}`);
  say();
  say("Try the failure etcd-responder heals (any kubectl 1.32; the tests use the one in .tools/bin):");
  say(`  ${kubectl} get pods`);
  say(`  ${kubectl} exec deploy/example-1 -- etcdctl member list`);
  say(`  ${kubectl} delete pod -l etcd.responder.io/member=3`);
  say(`  ${kubectl} get pods            # example-3 comes back with an empty data dir: CrashLoopBackOff`);
  say(`  ${kubectl} logs -l etcd.responder.io/member=3 --previous`);
  say();
  say(`The responder's configuration for this sandbox: ${join(dir, "responder.yaml")}`);
  say("Press Ctrl-C to stop the sandbox; it removes every process and the members' data.");
  await shutdown;
  await sandbox.stop();
  say("sandbox stopped");
  return 0;
}
