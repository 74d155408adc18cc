import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../../core/errors.js";

/** Where a Pod's service account token is mounted; its presence means "running in a cluster". */
const SERVICE_ACCOUNT_TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/** The source `kubeConfigSource` names when the configuration is the Pod's service account. */
export const IN_CLUSTER = "the Pod's service account";

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
 * Which Kubernetes configuration applies, as kubectl picks it: `KUBECONFIG=...` when that is set, else the path
 * of `~/.kube/config` when it exists, else `IN_CLUSTER` when the Pod's service account token is mounted. Throws a
 * ConfigError when there is none: the client would otherwise fall back to `http://localhost:8080`.
 */
export function kubeConfigSource(sources: KubeConfigSources = {}): string {
  const env = sources.env ?? process.env;
  const exists = sources.exists ?? existsSync;
  const homeConfig = join(sources.home ?? homedir(), ".kube", "config");
  if (env.KUBECONFIG) return `KUBECONFIG=${env.KUBECONFIG}`;
  if (exists(homeConfig)) return homeConfig;
  if (exists(SERVICE_ACCOUNT_TOKEN_PATH)) return IN_CLUSTER;
  throw new ConfigError("Kubernetes", {
    keyPath: "",
    message:
      "no configuration found: set KUBECONFIG, put one at ~/.kube/config, or run in a Pod with a service account",
  });
}

/** The error for a configuration whose current context names no listed cluster, or that has no current context. */
export function noCurrentClusterError(source: string, context: string | undefined): ConfigError {
  return new ConfigError(source, {
    keyPath: "current-context",
    message: context
      ? `context "${context}" names no listed cluster`
      : "no current context: set current-context to one of the contexts",
  });
}
