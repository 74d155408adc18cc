import type { ContainerSpec } from "../pods.js";
import { flagValue } from "./container-flags.js";

/** Where an etcd container names a configuration file: the flag, or the variable etcd reads in its place. */
export interface ConfigFileSetting {
  /** `--config-file` (in command or args) or `ETCD_CONFIG_FILE`. */
  setting: "--config-file" | "ETCD_CONFIG_FILE";
  /** The file, when written in the spec; undefined when the variable takes it from elsewhere (`valueFrom`). */
  file?: string;
}

/**
 * The configuration file an etcd container starts etcd with, if any: `--config-file` in its command or args (also
 * inside a shell script), else a non-empty `ETCD_CONFIG_FILE`. With one, etcd ignores every other flag and `ETCD_*`
 * variable, so a change to them does not reach the member.
 */
export function configFileOf(container: ContainerSpec): ConfigFileSetting | undefined {
  const flag = flagValue([...(container.command ?? []), ...(container.args ?? [])], "config-file");
  if (flag !== undefined) return { setting: "--config-file", file: flag };
  const variable = container.env?.find((e) => e.name === "ETCD_CONFIG_FILE");
  if (!variable || (!variable.value && variable.valueFrom === undefined)) return undefined;
  return { setting: "ETCD_CONFIG_FILE", ...(variable.value ? { file: variable.value } : {}) };
}
