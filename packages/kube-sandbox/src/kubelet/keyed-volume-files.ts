import type { ConfigSources } from "./config-sources.js";
import { VolumeSetupError } from "./errors.js";
import type { KeyToPath } from "./pod-spec.js";
import type { VolumeFile } from "./volume-files.js";

/** A Secret or ConfigMap whose keys a volume (or one source of a projected volume) holds as files. */
export interface KeyedSource {
  kind: "secret" | "configmap";
  name: string;
  /** Only these keys, at these paths; every key, at its own name, when missing or empty. */
  items?: readonly KeyToPath[];
  /** A missing object, or a missing key of `items`, gives no files instead of an error. */
  optional?: boolean;
}

/**
 * The files of a Secret's or ConfigMap's keys, each of `defaultMode` unless its item says otherwise. Throws
 * `VolumeSetupError`, worded as the kubelet's, for a missing object or key that is not optional.
 */
export function keyedVolumeFiles(
  source: KeyedSource,
  namespace: string,
  sources: ConfigSources,
  defaultMode: number,
): VolumeFile[] {
  const data =
    source.kind === "secret" ? sources.secret(namespace, source.name) : sources.configMap(namespace, source.name);
  if (!data) {
    if (source.optional) return [];
    throw new VolumeSetupError(`${source.kind} "${source.name}" not found`);
  }
  if (!source.items?.length) return [...data].map(([key, content]) => ({ path: key, content, mode: defaultMode }));
  const files: VolumeFile[] = [];
  for (const item of source.items) {
    const content = data.get(item.key);
    if (content !== undefined) files.push({ path: item.path, content, mode: item.mode ?? defaultMode });
    else if (!source.optional) throw new VolumeSetupError(missingKeyMessage(source.kind, item.key));
  }
  return files;
}

function missingKeyMessage(kind: KeyedSource["kind"], key: string): string {
  return kind === "secret"
    ? `references non-existent secret key: ${key}`
    : `configmap references non-existent config key: ${key}`;
}
