import { accessSync, constants, statSync } from "node:fs";
import { basename, delimiter, isAbsolute, join } from "node:path";

/**
 * The host file to run for a container's `command[0]`: an absolute path that exists is used as it is;
 * otherwise its base name is looked up in `searchPath`, so a manifest's `/usr/local/bin/etcd` runs the
 * host's etcd wherever it is installed. Undefined when nothing executable is found.
 */
export function resolveExecutable(command: string, searchPath: string): string | undefined {
  if (!command) return undefined;
  if (isAbsolute(command) && isExecutableFile(command)) return command;
  const name = basename(command);
  for (const dir of searchPath.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
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
