import type { KubeObject } from "../api/object-store.js";
import type { ConfigSources } from "./config-sources.js";
import { downwardApiFiles } from "./downward-api-files.js";
import type { PodAddresses } from "./field-ref.js";
import { keyedVolumeFiles } from "./keyed-volume-files.js";
import type { VolumeProjection } from "./pod-spec.js";
import type { VolumeFile } from "./volume-files.js";

/** The files of a projected volume, and the kinds of its sources that are not emulated. */
export interface ProjectedFiles {
  files: VolumeFile[];
  /** E.g. `serviceAccountToken`: such a source writes nothing. */
  notEmulated: string[];
}

/**
 * The files of every source of a `projected` volume, in order, for one directory: `secret` and `configMap`
 * (their `items` and `optional` as in their own volume types) and `downwardAPI`, each file of `defaultMode`
 * unless its item says otherwise. Throws `VolumeSetupError` as those sources do.
 */
export function projectedVolumeFiles(
  projections: readonly VolumeProjection[],
  pod: KubeObject,
  addresses: PodAddresses,
  sources: ConfigSources,
  defaultMode: number,
): ProjectedFiles {
  const namespace = pod.metadata.namespace ?? "default";
  const files: VolumeFile[] = [];
  const notEmulated: string[] = [];
  for (const projection of projections) {
    if (projection.secret) {
      files.push(...keyedVolumeFiles({ kind: "secret", ...projection.secret }, namespace, sources, defaultMode));
    } else if (projection.configMap) {
      files.push(...keyedVolumeFiles({ kind: "configmap", ...projection.configMap }, namespace, sources, defaultMode));
    } else if (projection.downwardAPI) {
      files.push(...downwardApiFiles(projection.downwardAPI.items ?? [], pod, addresses, sources, defaultMode));
    } else {
      notEmulated.push(...Object.keys(projection));
    }
  }
  return { files, notEmulated };
}
