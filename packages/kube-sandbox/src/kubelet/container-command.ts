import { mkdirSync, statSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { expandVariables } from "./env-expansion.js";
import { ContainerStartError } from "./errors.js";
import { notFoundMessage, resolveExecutable } from "./executable.js";
import { rewriteMountPaths, type MountMapping } from "./mount-paths.js";
import type { ContainerSpec } from "./pod-spec.js";
import type { ImageConfig } from "../images/image-catalog.js";

/** A process to start: the host file, its arguments, and the name it was asked for. */
export interface ProcessCommand {
  file: string;
  args: string[];
  /** `command[0]` as the manifest (after expansion) wrote it; the process sees it as its argv[0]. */
  argv0: string;
}

/**
 * The words a container runs, combined as a container runtime does under Kubernetes' rules: `command`
 * replaces the image's ENTRYPOINT and drops its CMD; `args` replace the CMD; with neither, ENTRYPOINT + CMD.
 * Empty lists count as not given.
 */
export function containerArgv(
  image: ImageConfig | undefined,
  command: readonly string[],
  args: readonly string[],
): string[] {
  if (command.length > 0) return [...command, ...args];
  return [...(image?.entrypoint ?? []), ...(args.length > 0 ? args : (image?.cmd ?? []))];
}

/**
 * The process of a container: its words (see `containerArgv`), with `$(VAR)` expanded against the container
 * env in `command` and `args` only (never in the image's), mount paths rewritten, the first word resolved
 * under `root` (see `resolveExecutable`). Throws `ContainerStartError`.
 */
export function buildContainerCommand(
  container: ContainerSpec,
  env: ReadonlyMap<string, string>,
  mounts: readonly MountMapping[],
  searchPath: string,
  image: ImageConfig | undefined,
  root = "/",
): ProcessCommand {
  const expand = (words: readonly string[] | undefined) =>
    (words ?? []).map((word) => expandVariables(word, (name) => env.get(name)));
  const argv = containerArgv(image, expand(container.command), expand(container.args));
  return resolveCommand(
    argv.map((word) => rewriteMountPaths(word, mounts)),
    searchPath,
    root,
  );
}

/** Resolves `argv[0]` under `root` (for `exec` and exec probes, whose commands are not expanded). */
export function resolveCommand(argv: readonly string[], searchPath: string, root = "/"): ProcessCommand {
  const [first, ...args] = argv;
  if (first === undefined || first === "") throw new ContainerStartError("no command specified");
  const file = resolveExecutable(first, searchPath, root);
  if (!file) throw new ContainerStartError(notFoundMessage(first));
  return { file, args, argv0: first };
}

/**
 * The working directory of a container in a Pod with a file system of its own: its `workingDir`, else `/`,
 * created (under `hostRoot`, where the host sees the Pod's root) when missing, as a container runtime does.
 */
export function podWorkingDirectory(workingDir: string | undefined, hostRoot: string): string {
  const dir = workingDir && isAbsolute(workingDir) ? workingDir : "/";
  mkdirSync(join(hostRoot, dir), { recursive: true });
  return dir;
}

/**
 * The working directory of a container's processes on the host: its `workingDir` when that lies in a volume (created if
 * missing, as a runtime does) or is an existing host directory; the Pod's own directory otherwise.
 */
export function workingDirectory(
  workingDir: string | undefined,
  mounts: readonly MountMapping[],
  podDir: string,
): string {
  if (!workingDir) return podDir;
  const rewritten = rewriteMountPaths(workingDir, mounts);
  if (rewritten !== workingDir) {
    mkdirSync(rewritten, { recursive: true });
    return rewritten;
  }
  try {
    return statSync(workingDir).isDirectory() ? workingDir : podDir;
  } catch {
    return podDir;
  }
}
