import type { KubeObject } from "../api/object-store.js";
import type { ConfigSources } from "./config-sources.js";
import { downwardApiFiles } from "./downward-api-files.js";
import type { PodAddresses } from "./field-ref.js";
import { keyedVolumeFiles } from "./keyed-volume-files.js";
import type { VolumeProjection } from "./pod-spec.js";
import type { TokenRequest } from "./projected-tokens.js";
import type { VolumeFile } from "./volume-files.js";

/** The lifetime of a projected token whose source gives none, seconds (the API's default). */
const DEFAULT_TOKEN_SECONDS = 3600;

/** A token file of a projected volume, which the kubelet replaces before it expires. */
export interface ProjectedTokenFile {
  /** Relative to the volume's directory. */
  path: string;
  /** Permission bits of the file. */
  mode: number;
  /** What the source asked for, to ask again. */
  request: TokenRequest;
  /** When the token written stops being valid, ms since the epoch. */
  expiresAtMs: number;
}

/** The files of a projected volume, and the kinds of its sources that are not emulated. */
export interface ProjectedFiles {
  files: VolumeFile[];
  /** E.g. `clusterTrustBundle`: such a source writes nothing. */
  notEmulated: string[];
  /** The `serviceAccountToken` files among `files`. */
  tokens: ProjectedTokenFile[];
}

/**
 * The files of every source of a `projected` volume, in order, for one directory: `secret` and `configMap`
 * (their `items` and `optional` as in their own volume types), `downwardAPI`, and `serviceAccountToken` (a token
 * of the Pod's ServiceAccount bound to the Pod, from `sources.tokens`), each file of `defaultMode` unless its
 * item says otherwise. Throws `VolumeSetupError` as those sources do.
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
  const tokens: ProjectedTokenFile[] = [];
  for (const projection of projections) {
    if (projection.secret) {
      files.push(...keyedVolumeFiles({ kind: "secret", ...projection.secret }, namespace, sources, defaultMode));
    } else if (projection.configMap) {
      files.push(...keyedVolumeFiles({ kind: "configmap", ...projection.configMap }, namespace, sources, defaultMode));
    } else if (projection.downwardAPI) {
      files.push(...downwardApiFiles(projection.downwardAPI.items ?? [], pod, addresses, sources, defaultMode));
    } else if (projection.serviceAccountToken && sources.tokens) {
      const { path, audience, expirationSeconds } = projection.serviceAccountToken;
      const request: TokenRequest = { audience, expirationSeconds: expirationSeconds ?? DEFAULT_TOKEN_SECONDS };
      const issued = sources.tokens.issue(pod, request);
      files.push({ path, content: Buffer.from(issued.token, "utf8"), mode: defaultMode });
      tokens.push({ path, mode: defaultMode, request, expiresAtMs: Date.parse(issued.expirationTimestamp) });
    } else {
      notEmulated.push(...Object.keys(projection));
    }
  }
  return { files, notEmulated, tokens };
}
