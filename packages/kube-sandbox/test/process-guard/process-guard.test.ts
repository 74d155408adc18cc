import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { ProcessGuard } from "../../src/process-guard/process-guard.js";
import { ProcessGuardError } from "../../src/process-guard/process-guard-error.js";

const fixture = fileURLToPath(new URL("./fixtures/guarded-parent.ts", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "process-guard-test-"));
/** Every pid a test started or learnt of, stopped in afterAll whatever happened. */
const started = new Set<number>();

interface FixturePids {
  parent: number;
  watchdog: number;
  sleeper: number;
}

/** Whether a process runs; a zombie (ended, not yet reaped by its new parent) counts as gone. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

async function waitUntil(what: string, timeoutMs: number, done: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function startSleeper(): number {
  const child = spawn("sleep", ["300"], { detached: true, stdio: "ignore" });
  child.unref();
  if (!child.pid) throw new Error("sleep did not start");
  started.add(child.pid);
  return child.pid;
}

/** Starts the fixture parent and reads the pids it prints. */
async function startParent(
  mode: "wait" | "exit",
  cleanupPath: string,
  detached = false,
): Promise<{ child: ChildProcess; pids: FixturePids }> {
  const child = spawn(process.execPath, ["--import", "tsx", fixture, mode, cleanupPath], {
    detached,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid) started.add(child.pid);
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`fixture printed no pids within 15 s: ${stderr}`)), 15_000);
    lines.once("line", (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`fixture exited with ${code} before printing pids: ${stderr}`));
    });
  });
  const pids = JSON.parse(first) as FixturePids;
  started.add(pids.watchdog);
  started.add(pids.sleeper);
  return { child, pids };
}

function cleanupDir(name: string): string {
  const path = mkdtempSync(join(scratch, `${name}-`));
  writeFileSync(join(path, "member.data"), "x");
  return path;
}

afterAll(() => {
  for (const pid of started) {
    if (isAlive(pid)) process.kill(pid, "SIGKILL");
  }
  rmSync(scratch, { recursive: true, force: true });
});

describe("ProcessGuard when the sandbox process dies", () => {
  it("stops tracked process groups and removes the cleanup paths after a SIGKILL", async () => {
    const path = cleanupDir("sigkill");
    const { child, pids } = await startParent("wait", path);
    expect(isAlive(pids.sleeper)).toBe(true);
    expect(pids.watchdog).not.toBe(pids.parent);
    const exited = new Promise((resolve) => child.once("exit", resolve));
    process.kill(pids.parent, "SIGKILL");
    await exited;
    await waitUntil("the tracked sleep to be stopped", 5_000, () => !isAlive(pids.sleeper));
    await waitUntil("the watchdog to finish", 5_000, () => !isAlive(pids.watchdog));
    expect(existsSync(path)).toBe(false);
  }, 30_000);

  it("survives a Ctrl-C to the sandbox's process group and still cleans up", async () => {
    const path = cleanupDir("sigint");
    const { child, pids } = await startParent("wait", path, true);
    const exited = new Promise((resolve) => child.once("exit", resolve));
    // The parent leads its own group here, like a sandbox started from a shell.
    process.kill(-pids.parent, "SIGINT");
    await exited;
    await waitUntil("the tracked sleep to be stopped", 5_000, () => !isAlive(pids.sleeper));
    await waitUntil("the watchdog to finish", 5_000, () => !isAlive(pids.watchdog));
    expect(existsSync(path)).toBe(false);
  }, 30_000);

  it("does not keep the sandbox process alive, and cleans up when it simply ends", async () => {
    const path = cleanupDir("exit");
    const { child, pids } = await startParent("exit", path);
    const code = await new Promise((resolve) =>
      child.exitCode !== null ? resolve(child.exitCode) : child.once("exit", resolve),
    );
    expect(code).toBe(0);
    await waitUntil("the tracked sleep to be stopped", 5_000, () => !isAlive(pids.sleeper));
    await waitUntil("the watchdog to finish", 5_000, () => !isAlive(pids.watchdog));
    expect(existsSync(path)).toBe(false);
  }, 30_000);
});

describe("ProcessGuard.close", () => {
  it("waits for the watchdog, which stops tracked groups, spares untracked ones and removes the paths", async () => {
    const path = cleanupDir("close");
    const guard = await ProcessGuard.start({ cleanupPaths: [path] });
    started.add(guard.pid);
    const stillTracked = startSleeper();
    const untracked = startSleeper();
    guard.track(stillTracked);
    guard.track(untracked);
    guard.untrack(untracked);
    await guard.close();
    expect(isAlive(guard.pid)).toBe(false);
    expect(isAlive(stillTracked)).toBe(false);
    expect(isAlive(untracked)).toBe(true);
    expect(existsSync(path)).toBe(false);
    process.kill(untracked, "SIGKILL");
    await expect(guard.close()).resolves.toBeUndefined();
    expect(() => guard.track(untracked)).toThrow(new ProcessGuardError("the process guard is closed"));
  }, 30_000);

  it("kills a group that ignores SIGTERM once the grace period is over", async () => {
    const guard = await ProcessGuard.start({ killGraceMs: 300 });
    started.add(guard.pid);
    // An ignored signal stays ignored across exec, so neither the shell nor its sleep reacts to SIGTERM.
    const stubborn = spawn("sh", ["-c", "trap '' TERM; sleep 300; true"], { detached: true, stdio: "ignore" });
    stubborn.unref();
    started.add(stubborn.pid!);
    const exited = new Promise((resolve) => stubborn.once("exit", (_code, signal) => resolve(signal)));
    guard.track(stubborn.pid!);
    const begun = Date.now();
    await guard.close();
    expect(await exited).toBe("SIGKILL");
    expect(Date.now() - begun).toBeGreaterThanOrEqual(250);
  }, 30_000);

  it("refuses group ids that would signal everyone or itself, and malformed Pod network ids", async () => {
    const guard = await ProcessGuard.start();
    started.add(guard.pid);
    try {
      for (const pgid of [0, 1, -5, 2.5, Number.NaN]) {
        expect(() => guard.track(pgid)).toThrow(ProcessGuardError);
      }
      // A Pod network id ends up in interface names and `ip` arguments: only 6 hex digits pass.
      for (const id of ["", "1a2b3", "1a2b3c4", "ksb1a2", "../../x", "1A2B3C"]) {
        expect(() => guard.trackNetwork(id)).toThrow(ProcessGuardError);
      }
    } finally {
      await guard.close();
    }
  }, 30_000);
});
