import { delimiter } from "node:path";
import { KubeConfig } from "@kubernetes/client-node/dist/config.js";
import { describeFileError } from "../../core/config/resolve.js";
import { ConfigError, messageOf } from "../../core/errors.js";
import { IN_CLUSTER, kubeConfigSource, noCurrentClusterError, type KubeConfigSources } from "./kube-config-source.js";

/**
 * Loads the Kubernetes configuration as kubectl finds it: the files of `KUBECONFIG`, else
 * `~/.kube/config`, else the Pod's service account. Throws a ConfigError saying which source is wrong and
 * how (missing or unreadable file, empty or not a kubeconfig, no current cluster), or that there is none:
 * the client would otherwise fall back to `http://localhost:8080` and fail at the first request.
 */
export function loadKubeConfig(sources: KubeConfigSources = {}): KubeConfig {
  const env = sources.env ?? process.env;
  const source = kubeConfigSource(sources);
  const kubeConfig = new KubeConfig();
  try {
    if (env.KUBECONFIG) {
      // As kubectl does: the first file, then the others merged in; the first current-context set wins.
      const [first, ...rest] = env.KUBECONFIG.split(delimiter).filter(Boolean);
      kubeConfig.loadFromFile(first ?? "");
      for (const file of rest) {
        const more = new KubeConfig();
        more.loadFromFile(file);
        kubeConfig.mergeConfig(more, Boolean(kubeConfig.currentContext));
      }
    } else if (source !== IN_CLUSTER) {
      kubeConfig.loadFromFile(source);
    } else {
      kubeConfig.loadFromCluster();
    }
  } catch (error) {
    throw new ConfigError(source, { keyPath: "", message: describeLoadError(error) }, { cause: error });
  }
  if (!kubeConfig.getCurrentCluster()) throw noCurrentClusterError(source, kubeConfig.getCurrentContext() || undefined);
  return kubeConfig;
}

/** One line on why a kubeconfig could not be loaded. */
function describeLoadError(error: unknown): string {
  if ((error as { code?: unknown } | null)?.code !== undefined) return describeFileError(error);
  if (error instanceof TypeError) return "the file is empty or is not a kubeconfig";
  const reason = (error as { reason?: unknown; mark?: { line?: number } } | null) ?? {};
  // The YAML parser refuses a file with no document in it (empty, or only comments) rather than read nothing.
  if (typeof reason.reason === "string" && reason.reason.endsWith("the input is empty")) {
    return "the file is empty or is not a kubeconfig";
  }
  if (typeof reason.reason === "string") {
    const where = reason.mark?.line !== undefined ? ` (line ${reason.mark.line + 1})` : "";
    return `not valid YAML: ${reason.reason}${where}`;
  }
  return messageOf(error);
}
