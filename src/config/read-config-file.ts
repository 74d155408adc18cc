import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";

/** Reads a file the configuration refers to; tests pass their own. */
export type ReadTextFile = (path: string) => string;

/** How files named in the configuration (TLS, password) are found and read. */
export interface FileAccess {
  /** Directory relative paths are resolved against; default the working directory. */
  baseDir?: string;
  /** Reads one file as UTF-8 text; default `fs.readFileSync`. */
  readFile?: ReadTextFile;
}

/** Reads a referenced file, returning its text or a sentence saying why it could not be read. */
export function readReferencedFile(path: string, access: FileAccess): { text: string } | { problem: string } {
  const fullPath = isAbsolute(path) ? path : resolve(access.baseDir ?? process.cwd(), path);
  try {
    return { text: (access.readFile ?? ((p) => readFileSync(p, "utf8")))(fullPath) };
  } catch (error) {
    return { problem: `cannot read ${JSON.stringify(fullPath)}: ${describeFileError(error)}` };
  }
}

/** Short reason for a failed read, without the noise of Node's full message. */
export function describeFileError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "it is a directory";
  return error instanceof Error ? error.message : String(error);
}
