import { parseArgs, type ParseArgsConfig } from "node:util";

type OptionsConfig = NonNullable<ParseArgsConfig["options"]>;

/** Parses `argv` strictly: an unknown flag or a missing value is a UsageError naming the command. */
export function parseOptions<T extends OptionsConfig>(command: string, argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message.split("\n")[0]}`);
  }
}

/** A whole number within bounds, or a UsageError naming the flag. */
export function integerOption(
  flag: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new UsageError(`--${flag} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return parsed;
}

/** A command line that cannot be run as given; the CLI prints its message on one line and exits 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";

  constructor(message: string) {
    super(message);
    Object.setPrototypeOf(this, UsageError.prototype);
  }
}

/** What a command writes to and reads from: the process's own by default, captured in tests. */
export interface CommandIO {
  /** Writes one line to standard output. */
  stdout: (line: string) => void;
  /** Writes one line to standard error. */
  stderr: (line: string) => void;
  /** The environment the command reads (kubeconfig, credentials). */
  env: NodeJS.ProcessEnv;
}

/** The process's standard output, standard error and environment. */
export const processIO: CommandIO = {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
};
