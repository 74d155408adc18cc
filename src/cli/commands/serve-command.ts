import { runService } from "../../service/run-service.js";
import { parseOptions } from "../parse-options.js";
import { UsageError } from "../usage-error.js";

export const SERVE_USAGE = "etcd-responder serve --config FILE [--insecure-no-auth]";

/** The webhook receiver and HTTP API, on `PORT`; runs until SIGTERM or SIGINT. */
export async function serveCommand(argv: string[]): Promise<number> {
  const values = parseOptions("serve", argv, { config: { type: "string" }, "insecure-no-auth": { type: "boolean" } });
  if (!values.config) throw new UsageError(`serve: --config is required (${SERVE_USAGE})`);
  return runService({ role: "serve", configPath: values.config, insecureNoAuth: values["insecure-no-auth"] ?? false });
}
