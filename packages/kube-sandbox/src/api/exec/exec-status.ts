import { StatusError } from "../status-error.js";

/** What the status channel (3) says when the command is done, as kubectl reads it. */
export function exitStatus(command: string[], exitCode: number): Record<string, unknown> {
  if (exitCode === 0) return { metadata: {}, status: "Success" };
  return {
    metadata: {},
    status: "Failure",
    message:
      "command terminated with non-zero exit code: " +
      `error executing command [${command.join(" ")}], exit code ${exitCode}`,
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(exitCode) }] },
  };
}

/** The status channel's message when the command could not be run at all. */
export function failureStatus(error: unknown): Record<string, unknown> {
  if (error instanceof StatusError) {
    const { kind: _kind, apiVersion: _apiVersion, ...status } = error.toStatus();
    return status;
  }
  return {
    metadata: {},
    status: "Failure",
    message: error instanceof Error ? error.message : String(error),
    reason: "InternalError",
    code: 500,
  };
}
