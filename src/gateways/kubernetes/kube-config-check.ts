import { readFileSync } from "node:fs";
import { delimiter } from "node:path";
import { parse } from "yaml";
import { describeFileError } from "../../core/config/resolve.js";
import { ConfigError, messageOf } from "../../core/errors.js";
import { IN_CLUSTER, kubeConfigSource, noCurrentClusterError, type KubeConfigSources } from "./kube-config-source.js";

/** The parts of a kubeconfig file the check reads. */
interface KubeConfigFile {
  clusters?: ({ name?: unknown } | null)[];
  contexts?: ({ name?: unknown; context?: { cluster?: unknown } | null } | null)[];
  "current-context"?: unknown;
}

/**
 * Checks the Kubernetes configuration without loading the Kubernetes client: that there is one, that each file
 * can be read and is a YAML mapping, and that the current context (the first file's that sets one) names a
 * context whose cluster is listed in one of the files. Answers the source (as `kubeConfigSource` names it);
 * throws a ConfigError in the words `loadKubeConfig` uses. The receiver runs this at start and loads the
 * client itself only when it first needs it; `loadKubeConfig` then checks everything else.
 */
export function checkKubeConfig(sources: KubeConfigSources = {}): string {
  const source = kubeConfigSource(sources);
  if (source === IN_CLUSTER) return source;
  const env = sources.env ?? process.env;
  const files = env.KUBECONFIG ? env.KUBECONFIG.split(delimiter).filter(Boolean) : [source];
  const clusters = new Set<unknown>();
  const contextClusters = new Map<unknown, unknown>();
  let current: string | undefined;
  for (const file of files) {
    const config = readKubeConfigFile(source, file);
    for (const cluster of config.clusters ?? []) clusters.add(cluster?.name);
    for (const context of config.contexts ?? []) contextClusters.set(context?.name, context?.context?.cluster);
    const named = config["current-context"];
    if (current === undefined && typeof named === "string" && named !== "") current = named;
  }
  const listed = current !== undefined && clusters.has(contextClusters.get(current));
  if (!listed) throw noCurrentClusterError(source, current);
  return source;
}

/** One file of the configuration, or a ConfigError saying why it cannot be one. */
function readKubeConfigFile(source: string, file: string): KubeConfigFile {
  const refuse = (message: string, cause?: unknown) => new ConfigError(source, { keyPath: "", message }, { cause });
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw refuse(describeFileError(error), error);
  }
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw refuse(`not valid YAML: ${messageOf(error).split("\n")[0]}`, error);
  }
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    throw refuse("the file is empty or is not a kubeconfig");
  }
  const config = document as Record<string, unknown>;
  // As the client reads it: a list that is not a list lists nothing.
  const list = (key: string) => (Array.isArray(config[key]) ? (config[key] as unknown[]) : []);
  return { ...config, clusters: list("clusters"), contexts: list("contexts") } as KubeConfigFile;
}
