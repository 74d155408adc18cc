import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { ConfigError, type ConfigProblem } from "../errors.js";
import { ClusterCatalog } from "../catalog.js";
import type { NotificationSettings, RecoverySettings, ResolvedCluster, ServiceSettings } from "./types.js";
import { parseDocument } from "yaml";
import { configFileSchema, formatKeyPath, problemsFromIssues } from "./schema.js";
import { describeFileError, resolveClusterEntry, resolveService, type FileAccess } from "./resolve.js";
import { resolveNotifications } from "./notifications.js";

/** The whole configuration, loaded once at start-up. */
export interface ResponderConfig {
  /** The clusters the responder may recover (at least one), and the lookups of clusters and members. */
  catalog: ClusterCatalog;
  /** Global recovery settings. */
  recovery: RecoverySettings;
  /** How the service queues and runs recoveries. */
  service: ServiceSettings;
  /** The webhooks the worker tells about recoveries, with their URLs read; no targets: no notifications. */
  notifications: NotificationSettings;
}

/**
 * Reads, validates and resolves the configuration file once at start-up. Relative paths inside it (TLS files,
 * password file, notification URL files) are relative to the file's directory. Throws a ConfigError naming the
 * problem.
 */
export async function loadConfig(path: string): Promise<ResponderConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ConfigError(
      path,
      { keyPath: "", message: `cannot read the configuration file: ${describeFileError(error)}` },
      { cause: error },
    );
  }
  return parseConfig(text, path, { baseDir: dirname(resolve(path)) });
}

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
  const notifications = resolveNotifications(parsed.data.notifications, parsed.data.clusters, options);
  problems.push(...notifications.problems);
  if (problems.length > 0) throw new ConfigError(source, problems);

  return {
    catalog: new ClusterCatalog(clusters),
    recovery: { ...parsed.data.recovery },
    service: resolveService(parsed.data.service),
    notifications: notifications.settings,
  };
}

function describeYamlError(message: string, position: { line: number; col: number } | undefined): string {
  // yaml puts the position and a code excerpt after the first line; keep the sentence, add the position.
  const sentence = (message.split("\n")[0] ?? message).replace(/ at line \d+, column \d+:?$/, "");
  return position ? `line ${position.line}, column ${position.col}: ${sentence}` : sentence;
}
