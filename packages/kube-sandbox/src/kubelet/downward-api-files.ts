import type { KubeObject } from "../api/object-store.js";
import type { ConfigSources } from "./config-sources.js";
import { ContainerConfigError, VolumeSetupError } from "./errors.js";
import { resolveFieldRef, type PodAddresses } from "./field-ref.js";
import type { DownwardAPIVolumeFile } from "./pod-spec.js";
import { resolveResourceFieldRef } from "./resource-field-ref.js";
import type { VolumeFile } from "./volume-files.js";

/** The Pod fields a volume can hold: its metadata only (status and spec fields are for env vars). */
const VOLUME_FIELD_PATH = /^metadata\.(?:name|namespace|uid|labels|annotations|(?:labels|annotations)\['.*'\])$/;

/**
 * The files of a `downwardAPI` volume or projection: each item's Pod metadata field (`metadata.labels` as
 * sorted `key="value"` lines) or container resource (the node's allocatable for a limit the container does not
 * set), of `defaultMode` unless the item says otherwise. Throws `VolumeSetupError` for a field or resource
 * that cannot be read, or an item that names neither.
 */
export function downwardApiFiles(
  items: readonly DownwardAPIVolumeFile[],
  pod: KubeObject,
  addresses: PodAddresses,
  sources: ConfigSources,
  defaultMode: number,
): VolumeFile[] {
  return items.map((item) => ({
    path: item.path,
    content: Buffer.from(itemValue(item, pod, addresses, sources), "utf8"),
    mode: item.mode ?? defaultMode,
  }));
}

function itemValue(
  item: DownwardAPIVolumeFile,
  pod: KubeObject,
  addresses: PodAddresses,
  sources: ConfigSources,
): string {
  try {
    if (item.fieldRef) {
      const { fieldPath } = item.fieldRef;
      if (!VOLUME_FIELD_PATH.test(fieldPath)) throw new VolumeSetupError(`unsupported fieldPath: ${fieldPath}`);
      return resolveFieldRef(pod, addresses, fieldPath);
    }
    if (item.resourceFieldRef) {
      // A volume's item must name its container: there is no container of its own to fall back on.
      return resolveResourceFieldRef(pod, item.resourceFieldRef, "", sources.nodeAllocatable());
    }
  } catch (error) {
    if (error instanceof ContainerConfigError) throw new VolumeSetupError(error.message);
    throw error;
  }
  throw new VolumeSetupError(
    `downward API item ${JSON.stringify(item.path)} names neither fieldRef nor resourceFieldRef`,
  );
}
