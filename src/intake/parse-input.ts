import type { z } from "zod";
import { formatKeyPath } from "../config/key-path.js";
import { HttpError } from "./http-error.js";

const MAX_PROBLEMS_SHOWN = 5;

/**
 * Validates a request body (or query) with `schema`; throws a 400 HttpError naming each bad field's
 * path: `invalid request body: alerts[0].labels: expected an object of strings`.
 * Messages name fields and expected types, never the values sent, so they are safe to log.
 */
export function parseInput<Schema extends z.ZodType>(schema: Schema, input: unknown, what: string): z.output<Schema> {
  if (input === undefined) throw new HttpError(400, `missing ${what}: expected a JSON object`);
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new HttpError(400, `invalid ${what}: ${describeIssues(result.error.issues)}`);
}

/** One clause per problem, `path: message`, at most five of them. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const clauses: string[] = [];
  for (const issue of issues) {
    const paths = issue.code === "unrecognized_keys" ? issue.keys.map((key) => [...issue.path, key]) : [issue.path];
    const message = issue.code === "unrecognized_keys" ? "unknown field" : issue.message;
    for (const path of paths) {
      const where = formatKeyPath(path);
      clauses.push(where ? `${where}: ${message}` : message);
    }
  }
  const shown = clauses.slice(0, MAX_PROBLEMS_SHOWN).join("; ");
  return clauses.length > MAX_PROBLEMS_SHOWN ? `${shown}; and ${clauses.length - MAX_PROBLEMS_SHOWN} more` : shown;
}
