import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { ConfigError } from "../errors/index.js";
import { parseConfig } from "./parse-config.js";
import { describeFileError } from "./read-config-file.js";
import type { ResponderConfig } from "./types.js";

/**
 * Reads, validates and resolves the configuration file once at start-up. Relative paths inside it
 * (TLS files, password file) are relative to the file's directory. Throws a ConfigError naming the problem.
 */
export async function loadConfig(path: string): Promise<ResponderConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ConfigError(
      path,
      { keyPath: "", message: `cannot read the configuration file: ${describeFileError(error)}` },
      { cause: error },
    );
  }
  return parseConfig(text, path, { baseDir: dirname(resolve(path)) });
}
