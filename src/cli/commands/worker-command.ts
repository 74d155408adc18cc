import { runService } from "../../service/run-service.js";
import { parseOptions } from "../parse-options.js";
import { UsageError } from "../usage-error.js";

export const WORKER_USAGE = "etcd-responder worker --config FILE";

/** The recovery workers (and the optional crash-loop sweep), probes on `WORKER_PORT`; runs until SIGTERM or SIGINT. */
export async function workerCommand(argv: string[]): Promise<number> {
  const values = parseOptions("worker", argv, { config: { type: "string" } });
  if (!values.config) throw new UsageError(`worker: --config is required (${WORKER_USAGE})`);
  return runService({ role: "worker", configPath: values.config, insecureNoAuth: false });
}
