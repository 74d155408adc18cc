import { pino } from "pino";

/** What replaces a secret in a log line. */
export const REDACTED = "[redacted]";

/** How deep an error's fields are searched for commands; deeper values are left out. */
const MAX_DEPTH = 8;

/**
 * The `err` of a log line: pino's standard error fields, with the arguments of every command the error (or
 * anything it holds) carries replaced by `[redacted]`. ioredis puts the failed command on its errors, and a
 * refused `AUTH` carries the password as its argument; the command's name stays, so the line still says
 * what failed.
 */
export function serializeLoggedError(error: unknown): unknown {
  return withoutCommandArguments(pino.stdSerializers.err(error as Error), 0);
}

/** A copy of `value` in which every `command.args` is redacted; the value itself is left untouched. */
function withoutCommandArguments(value: unknown, depth: number): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (depth >= MAX_DEPTH) return REDACTED;
  if (Array.isArray(value)) return value.map((item) => withoutCommandArguments(item, depth + 1));
  // Dates, Buffers and the like write themselves.
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return value;
  const copy: Record<string, unknown> = {};
  // An error held in a field (not serialized by pino) keeps its message, which JSON would drop.
  if (value instanceof Error) copy.message = value.message;
  for (const [key, field] of Object.entries(value)) {
    copy[key] =
      key === "command" && typeof field === "object" && field !== null && "args" in field
        ? { ...(withoutCommandArguments(field, depth + 1) as object), args: REDACTED }
        : withoutCommandArguments(field, depth + 1);
  }
  return copy;
}
