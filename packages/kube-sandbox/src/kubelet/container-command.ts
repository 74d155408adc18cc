import { mkdirSync, statSync } from "node:fs";
import { expandVariables } from "./env-expansion.js";
import { ContainerStartError } from "./errors.js";
import { notFoundMessage, resolveExecutable } from "./executable.js";
import { rewriteMountPaths, type MountMapping } from "./mount-paths.js";
import type { ContainerSpec } from "./pod-spec.js";

/** A process to start: the host file, its arguments, and the name it was asked for. */
export interface ProcessCommand {
  file: string;
  args: string[];
  /** `command[0]` as the manifest (after expansion) wrote it; the process sees it as its argv[0]. */
  argv0: string;
}

/**
 * What a container without `command` runs for an image: there is no image to read an ENTRYPOINT from, so
 * the sandbox's user names the entrypoints of the images it uses.
 */
export interface ImageEntrypoint {
  /** Matched against the container's whole `image` reference (name, tag or digest). */
  image: RegExp;
  /** The command run, looked up on the host's PATH; the container's `args` follow it. */
  entrypoint: string[];
}

/** The entrypoint of the first catalog entry that matches `image`. */
export function imageEntrypoint(image: string | undefined, images: readonly ImageEntrypoint[]): string[] | undefined {
  if (!image) return undefined;
  return images.find((entry) => entry.image.test(image))?.entrypoint;
}

/**
 * The process of a container: command (or the image's entrypoint) + args, `$(VAR)`-expanded against the
 * container env, mount paths rewritten, `command[0]` resolved on the host. Throws `ContainerStartError`.
 */
export function buildContainerCommand(
  container: ContainerSpec,
  env: ReadonlyMap<string, string>,
  mounts: readonly MountMapping[],
  searchPath: string,
  images: readonly ImageEntrypoint[],
): ProcessCommand {
  const lookup = (name: string) => env.get(name);
  const entrypoint = container.command?.length ? container.command : imageEntrypoint(container.image, images);
  if (!entrypoint) {
    throw new ContainerStartError(`no command specified: image "${container.image ?? ""}" has no known entrypoint`);
  }
  const argv = [...entrypoint, ...(container.args ?? [])].map((arg) =>
    rewriteMountPaths(expandVariables(arg, lookup), mounts),
  );
  return resolveCommand(argv, searchPath);
}

/** Resolves `argv[0]` on the host (for `exec` and exec probes, whose commands are not expanded). */
export function resolveCommand(argv: readonly string[], searchPath: string): ProcessCommand {
  const [first, ...args] = argv;
  if (first === undefined || first === "") throw new ContainerStartError("no command specified");
  const file = resolveExecutable(first, searchPath);
  if (!file) throw new ContainerStartError(notFoundMessage(first));
  return { file, args, argv0: first };
}

/**
 * The working directory of a container's processes: its `workingDir` when that lies in a volume (created if
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
