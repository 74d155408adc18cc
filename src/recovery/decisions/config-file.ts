import type { ContainerSpec } from "../pods.js";
import { flagValue } from "./container-flags.js";

/**
 * Where the bitnami image looks for a configuration file. When one is there, its start script runs etcd with
 * `--config-file` itself; the bitnami chart mounts its `configuration` or `existingConfigmap` there.
 */
const BITNAMI_CONFIG_DIR = "/opt/bitnami/etcd/conf";

/**
 * Where an etcd container names a configuration file: the flag, the variable etcd reads in its place, or a volume
 * mounted where the bitnami image's start script finds one.
 */
export interface ConfigFileSetting {
  /** `--config-file` (in command or args), `ETCD_CONFIG_FILE`, or the bitnami image's configuration directory. */
  setting:
    | "--config-file"
    | "ETCD_CONFIG_FILE"
    | "a configuration file from a volume at the bitnami image's configuration directory";
  /** The file, when written in the spec; undefined when the variable takes it from elsewhere (`valueFrom`). */
  file?: string;
}

/**
 * The configuration file an etcd container starts etcd with, if any: `--config-file` in its command or args (also
 * inside a shell script), else a non-empty `ETCD_CONFIG_FILE`, else a volume at the bitnami image's configuration
 * directory. With one, etcd ignores every other flag and `ETCD_*` variable, so a change to them does not reach the
 * member.
 */
export function configFileOf(container: ContainerSpec): ConfigFileSetting | undefined {
  const flag = flagValue([...(container.command ?? []), ...(container.args ?? [])], "config-file");
  if (flag !== undefined) return { setting: "--config-file", file: flag };
  const variable = container.env?.find((e) => e.name === "ETCD_CONFIG_FILE");
  if (variable && (variable.value || variable.valueFrom !== undefined)) {
    return { setting: "ETCD_CONFIG_FILE", ...(variable.value ? { file: variable.value } : {}) };
  }
  const mount = container.volumeMounts?.find((m) => m.mountPath.replace(/\/+$/, "") === BITNAMI_CONFIG_DIR);
  if (mount)
    return {
      setting: "a configuration file from a volume at the bitnami image's configuration directory",
      file: mount.mountPath,
    };
  return undefined;
}
