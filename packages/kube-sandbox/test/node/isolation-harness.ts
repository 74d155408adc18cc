import { execFile, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import type { PodProcess } from "../../src/node/pod-process.js";

/** Whether these tests can run: Pod isolation needs root. */
export const runningAsRoot = process.getuid?.() === 0;

/** What a finished command printed. */
export interface CommandResult {
  /** Exit code; null when a signal ended it. */
  code: number | null;
  /** Everything it wrote to standard output. */
  stdout: string;
  /** Everything it wrote to standard error. */
  stderr: string;
}

/** Runs `argv` in a Pod and waits, at most `timeoutMs`, for it to end; a command still running then is killed. */
export function runInPod(pod: PodProcess, argv: string[], timeoutMs = 15_000): Promise<CommandResult> {
  const [command = "", ...args] = argv;
  const child = pod.spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  return collect(child, `${argv.join(" ")} in the Pod`, timeoutMs);
}

/** Collects a child's output until it exits; rejects (after killing its group) past the deadline. */
export function collect(child: ChildProcess, what: string, timeoutMs: number): Promise<CommandResult> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup(child);
      reject(new Error(`${what} did not end within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Resolves with the first line a child prints; rejects when it exits first or `timeoutMs` pass. */
export function firstLine(child: ChildProcess, what: string, timeoutMs: number): Promise<string> {
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${what} printed nothing within ${timeoutMs} ms: ${stderr}`)),
      timeoutMs,
    );
    createInterface({ input: child.stdout! }).once("line", (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code} before printing: ${stderr}`));
    });
  });
}

/** SIGKILLs a child's process group (children of the tests are started detached). */
export function killGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, "SIGKILL");
  } catch {
    // Gone already.
  }
}

/** Polls `done` every 50 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function waitUntil(what: string, timeoutMs: number, done: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The host-wide forwarding switches, which Pod isolation must leave as they were. */
export function forwardingSysctls(): Record<string, string> {
  const paths = [
    "/proc/sys/net/ipv4/ip_forward",
    "/proc/sys/net/ipv4/conf/all/forwarding",
    "/proc/sys/net/ipv4/conf/default/forwarding",
    "/proc/sys/net/ipv6/conf/all/forwarding",
  ];
  return Object.fromEntries(paths.map((path) => [path, readFileSync(path, "utf8").trim()]));
}

/**
 * The host's firewall rulesets as `nft list ruleset` and `iptables -t nat -S` print them, for each of the
 * two that is installed (a machine without either has no rule they could have added).
 */
export async function firewallListings(): Promise<string[]> {
  const listings: string[] = [];
  for (const [tool, args] of [
    ["nft", ["list", "ruleset"]],
    ["iptables", ["-t", "nat", "-S"]],
  ] as const) {
    const output = await new Promise<string | undefined>((resolve, reject) => {
      execFile(tool, args, (err, stdout, stderr) => {
        if ((err as NodeJS.ErrnoException | null)?.code === "ENOENT") resolve(undefined);
        else if (err) reject(new Error(`${tool} ${args.join(" ")} failed: ${stderr}`));
        else resolve(stdout);
      });
    });
    if (output !== undefined) listings.push(output);
  }
  return listings;
}
