import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./usage-error.js";

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
