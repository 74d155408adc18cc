import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { SandboxProcess } from "./sandbox-process.js";

/** Changes to the sandbox's own responder.yaml. */
export interface ConfigChanges {
  /** Replaces `recovery.leaseDurationSeconds`. */
  leaseDurationSeconds?: number;
  /** Replaces `recovery.stepTimeoutSeconds`. */
  stepTimeoutSeconds?: number;
  /** A `service:` section, as YAML lines below `service:` (indented by the caller). */
  service?: string[];
  /**
   * Members (by index) whose client URL is replaced by one where nothing listens: the responder then sees them
   * as not answering, although they run.
   */
  unreachableMembers?: number[];
  /** An `auth:` section for every cluster: etcd's user and the file holding its password. */
  clusterAuth?: { username: string; passwordFile: string };
}

/** Writes a copy of the sandbox's responder.yaml with `changes` next to it and returns its path. */
export async function writeServiceConfig(
  sandbox: SandboxProcess,
  name: string,
  changes: ConfigChanges,
): Promise<string> {
  let text = await readFile(join(sandbox.dir, "responder.yaml"), "utf8");
  if (changes.leaseDurationSeconds !== undefined)
    text = replaceOnce(text, /leaseDurationSeconds: \d+/, `leaseDurationSeconds: ${changes.leaseDurationSeconds}`);
  if (changes.stepTimeoutSeconds !== undefined)
    text = replaceOnce(text, /stepTimeoutSeconds: \d+/, `stepTimeoutSeconds: ${changes.stepTimeoutSeconds}`);
  if (changes.service) text = `${text.trimEnd()}\nservice:\n${changes.service.join("\n")}\n`;
  for (const index of changes.unreachableMembers ?? []) {
    // Port 9 (discard) of a loopback address per member: nothing listens there, so connecting is refused at once.
    text = replaceOnce(text, new RegExp(`("${index}":\\n\\s+clientURL: )\\S+`), `$1http://127.0.0.${index}:9`);
  }
  if (changes.clusterAuth) {
    const { username, passwordFile } = changes.clusterAuth;
    // Each cluster entry starts with "- name:"; its keys are indented by four spaces.
    text = replaceOnce(
      text,
      /^( {2}- name: .*)$/gm,
      `$1\n    auth:\n      username: ${username}\n      passwordFile: ${passwordFile}`,
    );
  }
  const path = join(sandbox.dir, name);
  await writeFile(path, text);
  return path;
}

function replaceOnce(text: string, pattern: RegExp, replacement: string): string {
  if (!pattern.test(text)) throw new Error(`responder.yaml has no ${pattern}`);
  return text.replace(pattern, replacement);
}
