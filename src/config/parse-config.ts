import { parseDocument } from "yaml";
import { ConfigError, type ConfigProblem } from "../errors/index.js";
import { configFileSchema } from "./config-schema.js";
import { formatKeyPath } from "./key-path.js";
import type { FileAccess } from "./read-config-file.js";
import { resolveClusterEntry } from "./resolve-cluster.js";
import { resolveService } from "./resolve-service.js";
import type { ResolvedCluster, ResponderConfig } from "./types.js";
import { problemsFromIssues } from "./zod-problems.js";

/** Where the files the configuration names (TLS, password) are read from. */
export type ParseConfigOptions = FileAccess;

/**
 * Parses and validates the YAML configuration text, reads the files it names, and resolves every cluster.
 * `source` names the text in messages (usually the file path).
 * Throws a ConfigError naming the bad key path, or the line of a YAML syntax error.
 */
export function parseConfig(text: string, source: string, options: ParseConfigOptions = {}): ResponderConfig {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      source,
      document.errors.map((error) => ({ keyPath: "", message: describeYamlError(error.message, error.linePos?.[0]) })),
    );
  }
  const data: unknown = document.toJS();
  if (data === null || data === undefined) {
    throw new ConfigError(source, {
      keyPath: "",
      message: "the file is empty; expected a mapping with a `clusters` list",
    });
  }

  const parsed = configFileSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) throw new ConfigError(source, problemsFromIssues(parsed.error.issues));

  const problems: ConfigProblem[] = [];
  const clusters: ResolvedCluster[] = [];
  const firstPosition = new Map<string, number>();
  parsed.data.clusters.forEach((entry, position) => {
    const id = `${entry.namespace}/${entry.name}`;
    const first = firstPosition.get(id);
    if (first !== undefined) {
      problems.push({
        keyPath: formatKeyPath(["clusters", position, "name"]),
        message: `duplicate cluster "${entry.name}" in namespace "${entry.namespace}" (also clusters[${first}])`,
      });
      return;
    }
    firstPosition.set(id, position);
    const resolved = resolveClusterEntry(entry, position, options);
    problems.push(...resolved.problems);
    if (resolved.cluster) clusters.push(resolved.cluster);
  });
  if (problems.length > 0) throw new ConfigError(source, problems);

  return { clusters, recovery: { ...parsed.data.recovery }, service: resolveService(parsed.data.service) };
}

function describeYamlError(message: string, position: { line: number; col: number } | undefined): string {
  // yaml puts the position and a code excerpt after the first line; keep the sentence, add the position.
  const sentence = (message.split("\n")[0] ?? message).replace(/ at line \d+, column \d+:?$/, "");
  return position ? `line ${position.line}, column ${position.col}: ${sentence}` : sentence;
}
