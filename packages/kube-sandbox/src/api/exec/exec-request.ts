import { queryFlag } from "../http/query.js";
import { StatusError } from "../status-error.js";

/** What `pods/exec` is asked to run and which streams the client wants. */
export interface ExecRequest {
  command: string[];
  container?: string;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** Reads `command=..&command=..&container=c&stdin=true&stdout=true&stderr=true&tty=false`. */
export function parseExecRequest(query: URLSearchParams): ExecRequest {
  const command = query.getAll("command");
  if (command.length === 0) throw StatusError.badRequest("you must specify at least 1 command");
  const out: ExecRequest = {
    command,
    stdin: queryFlag(query, "stdin"),
    stdout: queryFlag(query, "stdout"),
    stderr: queryFlag(query, "stderr"),
    tty: queryFlag(query, "tty"),
  };
  const container = query.get("container");
  if (container) out.container = container;
  if (!out.stdin && !out.stdout && !out.stderr)
    throw StatusError.badRequest("you must specify at least 1 of stdin, stdout, stderr");
  return out;
}
