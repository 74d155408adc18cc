import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { describeFileError } from "../../core/config/resolve.js";
import { ConfigError, messageOf } from "../../core/errors.js";

/** Where a Pod's service account token is mounted; its presence means "running in a cluster". */
export const SERVICE_ACCOUNT_TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/** Where to look for the Kubernetes configuration; the defaults are the process's. */
export interface KubeConfigSources {
  /** The environment, for `KUBECONFIG`. */
  env?: NodeJS.ProcessEnv;
  /** The home directory, for `~/.kube/config`. */
  home?: string;
  /** Whether a file exists; for the default places. */
  exists?: (path: string) => boolean;
}

/**
 * Loads the Kubernetes configuration as kubectl finds it: the files of `KUBECONFIG`, else
 * `~/.kube/config`, else the Pod's service account. Throws a ConfigError saying which source is wrong and
 * how (missing or unreadable file, empty or not a kubeconfig, no current cluster), or that there is none:
 * the client would otherwise fall back to `http://localhost:8080` and fail at the first request.
 */
export function loadKubeConfig(sources: KubeConfigSources = {}): KubeConfig {
  const env = sources.env ?? process.env;
  const exists = sources.exists ?? existsSync;
  const homeConfig = join(sources.home ?? homedir(), ".kube", "config");
  const source = env.KUBECONFIG
    ? `KUBECONFIG=${env.KUBECONFIG}`
    : exists(homeConfig)
      ? homeConfig
      : exists(SERVICE_ACCOUNT_TOKEN_PATH)
        ? "the Pod's service account"
        : undefined;
  if (source === undefined) {
    throw new ConfigError("Kubernetes", {
      keyPath: "",
      message:
        "no configuration found: set KUBECONFIG, put one at ~/.kube/config, or run in a Pod with a service account",
    });
  }
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
    } else if (source === homeConfig) {
      kubeConfig.loadFromFile(homeConfig);
    } else {
      kubeConfig.loadFromCluster();
    }
  } catch (error) {
    throw new ConfigError(source, { keyPath: "", message: describeLoadError(error) }, { cause: error });
  }
  if (!kubeConfig.getCurrentCluster()) {
    const context = kubeConfig.getCurrentContext();
    throw new ConfigError(source, {
      keyPath: "current-context",
      message: context
        ? `context "${context}" names no listed cluster`
        : "no current context: set current-context to one of the contexts",
    });
  }
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
