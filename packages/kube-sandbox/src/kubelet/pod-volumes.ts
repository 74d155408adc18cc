import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { KubeObject } from "../api/object-store.js";
import type { ConfigSources } from "./config-sources.js";
import { downwardApiFiles } from "./downward-api-files.js";
import { VolumeSetupError } from "./errors.js";
import type { PodAddresses } from "./field-ref.js";
import { keyedVolumeFiles } from "./keyed-volume-files.js";
import type { MountMapping } from "./mount-paths.js";
import { podSpecOf, type ContainerSpec, type VolumeSpec } from "./pod-spec.js";
import { projectedVolumeFiles, type ProjectedFiles, type ProjectedTokenFile } from "./projected-volume-files.js";
import { safeRelativePath, writeVolumeFiles, type VolumeFile } from "./volume-files.js";

/** Default file modes: Secrets private to the owner; ConfigMaps, downward API and projected files readable by all. */
const SECRET_MODE = 0o600;
const READABLE_MODE = 0o644;

/** The outcome of setting up a Pod's volumes. */
export interface VolumeSetup {
  /** Host directory of each volume, by volume name. */
  dirs: Map<string, string>;
  /**
   * What is not emulated: volumes of other types, which get an empty directory, by name, and sources of
   * projected volumes that write no files, as `VOLUME/KIND` (e.g. `token/serviceAccountToken`).
   */
  unsupported: string[];
  /** The projected token files written, each with its volume's directory, to be replaced before they expire. */
  tokens: VolumeTokenFile[];
}

/** A projected token file and the directory of its volume. */
export interface VolumeTokenFile extends ProjectedTokenFile {
  /** The volume's host directory. */
  dir: string;
}

/**
 * Creates the host directories of a Pod's volumes under `volumesDir`: `emptyDir` once (it survives
 * container restarts); `secret`, `configMap`, `downwardAPI` and `projected` filled with their files (a
 * projected token is listed in `tokens`, to be replaced before it expires); a
 * `persistentVolumeClaim` is the folder of the volume the claim is bound to. Throws `VolumeSetupError`
 * (`MountVolume.SetUp failed for volume "NAME" : ...`) when a Secret, ConfigMap or key that is not optional
 * is missing, a downward API item cannot be read, or a claim is missing, unbound or being deleted, as
 * Kubernetes keeps such a Pod ContainerCreating.
 */
export function setUpVolumes(
  volumesDir: string,
  pod: KubeObject,
  addresses: PodAddresses,
  sources: ConfigSources,
): VolumeSetup {
  const dirs = new Map<string, string>();
  const unsupported: string[] = [];
  const tokens: VolumeTokenFile[] = [];
  for (const volume of podSpecOf(pod).volumes ?? []) {
    try {
      if (volume.persistentVolumeClaim) {
        dirs.set(volume.name, claimDirectory(pod, volume.persistentVolumeClaim.claimName, sources));
        continue;
      }
      const dir = join(volumesDir, safeSegment(volume.name));
      dirs.set(volume.name, dir);
      const filled = volumeFiles(volume, pod, addresses, sources);
      if (filled) {
        writeVolumeFiles(dir, filled.files);
        unsupported.push(...filled.notEmulated.map((kind) => `${volume.name}/${kind}`));
        tokens.push(...filled.tokens.map((token) => ({ ...token, dir })));
      } else {
        if (!volume.emptyDir) unsupported.push(volume.name);
        mkdirSync(dir, { recursive: true });
      }
    } catch (error) {
      if (!(error instanceof VolumeSetupError)) throw error;
      throw new VolumeSetupError(`MountVolume.SetUp failed for volume "${volume.name}" : ${error.message}`);
    }
  }
  return { dirs, unsupported, tokens };
}

/** The mounts of one container: mount path → the volume's host directory (plus subPath). */
export function containerMounts(container: ContainerSpec, volumeDirs: ReadonlyMap<string, string>): MountMapping[] {
  const out: MountMapping[] = [];
  for (const mount of container.volumeMounts ?? []) {
    const dir = volumeDirs.get(mount.name);
    if (!dir) continue;
    let hostPath = dir;
    if (mount.subPath) {
      hostPath = join(dir, safeRelativePath(mount.subPath));
      // Kubernetes creates a missing subPath as a directory.
      if (!existsSync(hostPath)) mkdirSync(hostPath, { recursive: true });
    }
    out.push({ mountPath: mount.mountPath, hostPath });
  }
  return out;
}

/** The folder of the volume a claim is bound to, outside the Pod, so its data outlives it. */
function claimDirectory(pod: KubeObject, claimName: string, sources: ConfigSources): string {
  const claim = sources.claim(pod.metadata.namespace ?? "default", claimName);
  if ("problem" in claim) throw new VolumeSetupError(claim.problem);
  mkdirSync(claim.path, { recursive: true });
  return claim.path;
}

/** The files of a volume whose type writes files (and its sources not emulated); undefined for the other types. */
function volumeFiles(
  volume: VolumeSpec,
  pod: KubeObject,
  addresses: PodAddresses,
  sources: ConfigSources,
): ProjectedFiles | undefined {
  const namespace = pod.metadata.namespace ?? "default";
  const done = (files: VolumeFile[]) => ({ files, notEmulated: [], tokens: [] });
  if (volume.secret) {
    const { secretName, defaultMode, ...rest } = volume.secret;
    return done(
      keyedVolumeFiles({ kind: "secret", name: secretName, ...rest }, namespace, sources, defaultMode ?? SECRET_MODE),
    );
  }
  if (volume.configMap) {
    const { defaultMode, ...rest } = volume.configMap;
    return done(keyedVolumeFiles({ kind: "configmap", ...rest }, namespace, sources, defaultMode ?? READABLE_MODE));
  }
  if (volume.downwardAPI) {
    const { items = [], defaultMode } = volume.downwardAPI;
    return done(downwardApiFiles(items, pod, addresses, sources, defaultMode ?? READABLE_MODE));
  }
  if (volume.projected) {
    const { sources: projections = [], defaultMode } = volume.projected;
    return projectedVolumeFiles(projections, pod, addresses, sources, defaultMode ?? READABLE_MODE);
  }
  return undefined;
}

function safeSegment(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, "_");
}
