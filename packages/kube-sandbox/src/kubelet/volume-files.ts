import { chmodSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, normalize, sep } from "node:path";
import { VolumeSetupError } from "./errors.js";

/** One file a volume holds: a key of a Secret or ConfigMap, or a downward API field. */
export interface VolumeFile {
  /** Relative to the volume's directory; may name subdirectories. */
  path: string;
  content: Buffer;
  /** Permission bits, e.g. 0o644. */
  mode: number;
}

/**
 * Makes `dir` hold exactly `files`: it is emptied first, so files the sources no longer give disappear, and
 * each file is written whole before it takes its name. A later file of the same path replaces an earlier one.
 * Throws `VolumeSetupError` for a path that would leave the directory.
 */
export function writeVolumeFiles(dir: string, files: readonly VolumeFile[]): void {
  const targets = files.map((file) => ({ ...file, target: join(dir, safeRelativePath(file.path)) }));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const file of targets) {
    mkdirSync(dirname(file.target), { recursive: true });
    const temporary = `${file.target}.tmp-${process.pid}`;
    writeFileSync(temporary, file.content, { mode: file.mode });
    chmodSync(temporary, file.mode);
    renameSync(temporary, file.target);
  }
}

/** A relative path that stays inside its directory; Kubernetes rejects `..` and absolute paths too. */
export function safeRelativePath(path: string): string {
  const normal = normalize(path);
  if (normal.startsWith(sep) || normal === ".." || normal.startsWith(`..${sep}`)) {
    throw new VolumeSetupError(`invalid path ${JSON.stringify(path)}: must be relative and may not contain '..'`);
  }
  return normal;
}
