import { UsageError } from "./usage-error.js";
import { exampleClusterCommand, EXAMPLE_CLUSTER_USAGE } from "./commands/example-cluster-command.js";
import { recoverCommand, RECOVER_USAGE } from "./commands/recover-command.js";
import { serveCommand, SERVE_USAGE } from "./commands/serve-command.js";
import { workerCommand, WORKER_USAGE } from "./commands/worker-command.js";
import { allCommand, ALL_USAGE } from "./commands/all-command.js";
import { enqueueCommand, ENQUEUE_USAGE } from "./commands/enqueue-command.js";

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, { run: Command; usage: string }> = {
  "example-cluster": { run: exampleClusterCommand, usage: EXAMPLE_CLUSTER_USAGE },
  recover: { run: (argv) => recoverCommand(argv), usage: RECOVER_USAGE },
  serve: { run: serveCommand, usage: SERVE_USAGE },
  worker: { run: workerCommand, usage: WORKER_USAGE },
  all: { run: allCommand, usage: ALL_USAGE },
  enqueue: { run: (argv) => enqueueCommand(argv), usage: ENQUEUE_USAGE },
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
