import type { z } from "zod";
import type { ConfigProblem } from "../errors/index.js";
import { formatKeyPath } from "./key-path.js";

/** Turns zod issues into problems a person can act on, one per bad key. */
export function problemsFromIssues(issues: readonly z.core.$ZodIssue[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        problems.push({ keyPath: formatKeyPath([...issue.path, key]), message: "unknown key" });
      }
      continue;
    }
    problems.push({ keyPath: formatKeyPath(issue.path), message: describeIssue(issue) });
  }
  return problems;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  if (issue.code === "invalid_type" && input === undefined) return `missing; ${issue.message}`;
  if (issue.code === "custom" || !isShown(input)) return issue.message;
  return `${issue.message}, got ${JSON.stringify(input)}`;
}

function isShown(input: unknown): boolean {
  return input === null || ["string", "number", "boolean"].includes(typeof input);
}
