import { UsageError, parseOptions } from "./options.js";
import { EXAMPLE_CLUSTER_USAGE, ENQUEUE_USAGE, RECOVER_USAGE } from "./usage.js";
import type { ServiceRole } from "../service/run-service.js";

type Command = (argv: string[]) => Promise<number>;

/**
 * One of the service's processes, run until SIGTERM or SIGINT: `serve` the webhook receiver and HTTP API on
 * `PORT`; `worker` the recovery workers (and the optional crash-loop sweep) with probes on `WORKER_PORT`;
 * `all` both in one process.
 */
function serviceCommand(role: ServiceRole): { run: Command; usage: string } {
  // The worker serves no API, so it has no credentials to waive.
  const servesApi = role !== "worker";
  const usage = `etcd-responder ${role} --config FILE${servesApi ? " [--insecure-no-auth]" : ""}`;
  const run: Command = async (argv) => {
    const values = parseOptions(role, argv, {
      config: { type: "string" },
      ...(servesApi ? { "insecure-no-auth": { type: "boolean" as const } } : {}),
    });
    if (!values.config) throw new UsageError(`${role}: --config is required (${usage})`);
    const { runService } = await import("../service/run-service.js");
    return runService({ role, configPath: values.config, insecureNoAuth: values["insecure-no-auth"] === true });
  };
  return { run, usage };
}

// Each command loads its modules when it runs: a receiver then holds neither the recovery nor the example generator.
const COMMANDS: Record<string, { run: Command; usage: string }> = {
  "example-cluster": {
    run: async (argv) => (await import("./example-cluster.js")).exampleClusterCommand(argv),
    usage: EXAMPLE_CLUSTER_USAGE,
  },
  recover: { run: async (argv) => (await import("./recover.js")).recoverCommand(argv), usage: RECOVER_USAGE },
  serve: serviceCommand("serve"),
  worker: serviceCommand("worker"),
  all: serviceCommand("all"),
  enqueue: { run: async (argv) => (await import("./enqueue.js")).enqueueCommand(argv), usage: ENQUEUE_USAGE },
};

function usage(): string {
  return ["usage:", ...Object.values(COMMANDS).map((c) => `  ${c.usage}`)].join("\n");
}

/** Runs one CLI command and returns the process exit code: 2 for usage errors, 1 for failures. */
export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`etcd-responder: unknown command "${name}"; commands: ${Object.keys(COMMANDS).join(", ")}\n`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`etcd-responder: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`etcd-responder ${name}: ${(error as Error).message ?? String(error)}\n`);
    return 1;
  }
}
