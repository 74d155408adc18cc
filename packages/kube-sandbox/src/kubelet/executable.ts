import { accessSync, constants, statSync } from "node:fs";
import { basename, delimiter, isAbsolute, join } from "node:path";

/**
 * The file to run for a container's `command[0]`: an absolute path that exists is used as it is;
 * otherwise its base name is looked up in `searchPath`, so a manifest's `/usr/local/bin/etcd` runs the
 * host's etcd wherever it is installed. Paths are looked up under `root`, where the host sees the file
 * system the container sees (default `/`), and returned as the container sees them. Undefined when nothing
 * executable is found.
 */
export function resolveExecutable(command: string, searchPath: string, root = "/"): string | undefined {
  if (!command) return undefined;
  if (isAbsolute(command) && isExecutableFile(join(root, command))) return command;
  const name = basename(command);
  for (const dir of searchPath.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isAbsolute(candidate) && isExecutableFile(join(root, candidate))) return candidate;
  }
  return undefined;
}

/** The message a container runtime gives when `command` cannot be found. */
export function notFoundMessage(command: string): string {
  return `exec: "${command}": executable file not found in $PATH`;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
