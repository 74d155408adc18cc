import { execFile, execFileSync } from "node:child_process";
import { IsolationError } from "./isolation-error.js";

/** Milliseconds one `ip`, `mount` or `unshare` call may take before it counts as failed. */
const TOOL_TIMEOUT_MS = 15_000;

/**
 * Runs a system tool, with `input` on its standard input when given (e.g. `ip -batch -` commands), and
 * resolves to its standard output; rejects with `IsolationError` naming the command (or `what`, for a
 * script too long to quote) and its error output.
 */
export function runTool(command: string, args: readonly string[], input?: string, what?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { timeout: TOOL_TIMEOUT_MS, encoding: "utf8" }, (err, stdout, stderr) => {
      const name = what ?? [command, ...args].join(" ");
      if (err) reject(new IsolationError(`${name} failed: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
    // A tool that exits before reading its input closes the pipe; its exit status tells what went wrong.
    child.stdin?.on("error", () => {});
    child.stdin?.end(input ?? "");
  });
}

/** `runTool` for places that cannot wait for a promise (the watchdog's last steps). */
export function runToolSync(command: string, args: readonly string[]): string {
  try {
    return execFileSync(command, args, {
      timeout: TOOL_TIMEOUT_MS,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (err) {
    const output = (err as { stderr?: string | Buffer }).stderr;
    const stderr = (typeof output === "string" ? output : (output?.toString("utf8") ?? "")).trim();
    throw new IsolationError(`${[command, ...args].join(" ")} failed: ${stderr || (err as Error).message}`);
  }
}
