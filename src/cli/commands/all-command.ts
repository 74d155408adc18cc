import { runService } from "../../service/run-service.js";
import { parseOptions } from "../parse-options.js";
import { UsageError } from "../usage-error.js";

export const ALL_USAGE = "etcd-responder all --config FILE [--insecure-no-auth]";

/** Receiver and worker in one process, on `PORT` and `WORKER_PORT`; runs until SIGTERM or SIGINT. */
export async function allCommand(argv: string[]): Promise<number> {
  const values = parseOptions("all", argv, { config: { type: "string" }, "insecure-no-auth": { type: "boolean" } });
  if (!values.config) throw new UsageError(`all: --config is required (${ALL_USAGE})`);
  return runService({ role: "all", configPath: values.config, insecureNoAuth: values["insecure-no-auth"] ?? false });
}
