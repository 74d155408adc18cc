import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, normalize, sep } from "node:path";
import type { ConfigSources } from "./config-sources.js";
import { VolumeSetupError } from "./errors.js";
import type { MountMapping } from "./mount-paths.js";
import type { ContainerSpec, KeyToPath, VolumeSpec } from "./pod-spec.js";

/** Default file modes: Secrets are private to the owner, ConfigMaps readable by all. */
const SECRET_MODE = 0o600;
const CONFIG_MAP_MODE = 0o644;

/** The outcome of setting up a Pod's volumes. */
export interface VolumeSetup {
  /** Host directory of each volume, by volume name. */
  dirs: Map<string, string>;
  /** Volumes whose type is not emulated; they get an empty directory. */
  unsupported: string[];
}

/**
 * Creates the host directories of a Pod's volumes under `volumesDir`: `emptyDir` once (it survives
 * container restarts), `secret` and `configMap` filled with their keys; a `persistentVolumeClaim` is the
 * folder of the volume the claim is bound to. Throws `VolumeSetupError` when a
 * Secret or ConfigMap that is not optional is missing, or a claim is missing, unbound or being deleted, as
 * Kubernetes keeps such a Pod ContainerCreating.
 */
export function setUpVolumes(
  volumesDir: string,
  namespace: string,
  volumes: readonly VolumeSpec[],
  sources: ConfigSources,
): VolumeSetup {
  const dirs = new Map<string, string>();
  const unsupported: string[] = [];
  for (const volume of volumes) {
    if (volume.persistentVolumeClaim) {
      // The claim's volume lives outside the Pod, so its data outlives it.
      const claim = sources.claim(namespace, volume.persistentVolumeClaim.claimName);
      if ("problem" in claim) {
        throw new VolumeSetupError(`MountVolume.SetUp failed for volume "${volume.name}" : ${claim.problem}`);
      }
      mkdirSync(claim.path, { recursive: true });
      dirs.set(volume.name, claim.path);
      continue;
    }
    const dir = join(volumesDir, safeSegment(volume.name));
    dirs.set(volume.name, dir);
    if (volume.secret) {
      const data = sources.secret(namespace, volume.secret.secretName);
      if (!data && !volume.secret.optional) {
        throw new VolumeSetupError(
          `MountVolume.SetUp failed for volume "${volume.name}" : secret "${volume.secret.secretName}" not found`,
        );
      }
      fillDirectory(dir, data ?? new Map(), volume.secret.items, volume.secret.defaultMode ?? SECRET_MODE, volume.name);
    } else if (volume.configMap) {
      const data = sources.configMap(namespace, volume.configMap.name);
      if (!data && !volume.configMap.optional) {
        throw new VolumeSetupError(
          `MountVolume.SetUp failed for volume "${volume.name}" : configmap "${volume.configMap.name}" not found`,
        );
      }
      fillDirectory(
        dir,
        data ?? new Map(),
        volume.configMap.items,
        volume.configMap.defaultMode ?? CONFIG_MAP_MODE,
        volume.name,
      );
    } else {
      if (!volume.emptyDir) unsupported.push(volume.name);
      mkdirSync(dir, { recursive: true });
    }
  }
  return { dirs, unsupported };
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

function fillDirectory(
  dir: string,
  data: ReadonlyMap<string, Buffer>,
  items: readonly KeyToPath[] | undefined,
  defaultMode: number,
  volumeName: string,
): void {
  // Rewritten whole, so keys removed from the source disappear.
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files: { path: string; content: Buffer; mode: number }[] = [];
  if (items?.length) {
    for (const item of items) {
      const content = data.get(item.key);
      if (content === undefined) {
        throw new VolumeSetupError(
          `MountVolume.SetUp failed for volume "${volumeName}" : references non-existent key ${item.key}`,
        );
      }
      files.push({ path: safeRelativePath(item.path), content, mode: item.mode ?? defaultMode });
    }
  } else {
    for (const [key, content] of data) files.push({ path: safeRelativePath(key), content, mode: defaultMode });
  }
  for (const file of files) {
    const target = join(dir, file.path);
    mkdirSync(dirname(target), { recursive: true });
    const temporary = `${target}.tmp-${process.pid}`;
    writeFileSync(temporary, file.content, { mode: file.mode });
    chmodSync(temporary, file.mode);
    renameSync(temporary, target);
  }
}

/** A relative path that stays inside its directory; Kubernetes rejects `..` and absolute paths too. */
function safeRelativePath(path: string): string {
  const normal = normalize(path);
  if (normal.startsWith(sep) || normal === ".." || normal.startsWith(`..${sep}`)) {
    throw new VolumeSetupError(`invalid path ${JSON.stringify(path)}: must be relative and may not contain '..'`);
  }
  return normal;
}

function safeSegment(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, "_");
}
