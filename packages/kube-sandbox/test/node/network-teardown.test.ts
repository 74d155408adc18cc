import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { OWNER_DIRECTORY } from "../../src/node/network-owner.js";
import { PodNetwork } from "../../src/node/pod-network.js";
import { PodProcess } from "../../src/node/pod-process.js";
import { firstLine, forwardingSysctls, runningAsRoot, waitUntil } from "./isolation-harness.js";

const fixture = fileURLToPath(new URL("./fixtures/guarded-pod.ts", import.meta.url));

/** Whether a process runs; a zombie counts as gone. */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Every network namespace, interface and mount whose name or path carries one of `marks`. */
function leftovers(marks: string[]): string[] {
  const netns = execFileSync("ip", ["netns", "list"], { encoding: "utf8" }).split("\n");
  const links = (
    JSON.parse(execFileSync("ip", ["-j", "link", "show"], { encoding: "utf8" })) as { ifname: string }[]
  ).map((link) => link.ifname);
  const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n");
  return [...netns, ...links, ...mounts].filter((entry) => marks.some((mark) => entry.includes(mark)));
}

/** Whether any process's mount table, in whatever mount namespace, has a mount that mentions `path`. */
function mountedAnywhere(path: string): boolean {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/mountinfo`, "utf8").includes(path)) return true;
    } catch {
      // The process has just ended.
    }
  }
  return false;
}

describe.runIf(runningAsRoot)("tearing isolated Pods down (needs root, skipped otherwise)", () => {
  const scratch = mkdtempSync(join(tmpdir(), "network-teardown-test-"));
  /** Process groups a test started, killed in afterAll whatever happened. */
  const groups: number[] = [];

  afterAll(() => {
    for (const pgid of groups) {
      try {
        process.kill(-pgid, "SIGKILL");
      } catch {
        // Gone already.
      }
    }
    rmSync(scratch, { recursive: true, force: true });
  });

  it("leaves no namespace, interface, mount or process behind when its owner is SIGKILLed", async () => {
    const sysctlsBefore = forwardingSysctls();
    const child = spawn(process.execPath, ["--import", "tsx", fixture, scratch], {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (child.pid) groups.push(child.pid);
    const made = JSON.parse(await firstLine(child, "the guarded Pod fixture", 30_000)) as {
      parent: number;
      watchdog: number;
      prefix: string;
      podPid: number;
      sleeperLeader: number;
      dataDir: string;
    };
    groups.push(made.watchdog);
    expect(leftovers([made.prefix]).length).toBeGreaterThan(0);
    expect(existsSync(join(OWNER_DIRECTORY, `${made.prefix}.lock`))).toBe(true);
    expect(isAlive(made.podPid)).toBe(true);
    // The Pod's overlay (upper layer in its data folder) is mounted in the Pod's mount namespace only.
    expect(mountedAnywhere(made.dataDir)).toBe(true);
    expect(leftovers([made.dataDir])).toEqual([]);

    process.kill(made.parent, "SIGKILL");
    await waitUntil("the watchdog to finish its cleanup", 30_000, () => !isAlive(made.watchdog));

    expect(leftovers([made.prefix, made.dataDir])).toEqual([]);
    expect(mountedAnywhere(made.dataDir)).toBe(false);
    expect([made.parent, made.podPid, made.sleeperLeader].filter(isAlive)).toEqual([]);
    expect(existsSync(made.dataDir)).toBe(false);
    expect(existsSync(join(OWNER_DIRECTORY, `${made.prefix}.lock`))).toBe(false);
    expect(forwardingSysctls()).toEqual(sysctlsBefore);
  });

  it("close removes every namespace and interface, and kills what still runs in them", async () => {
    const network = await PodNetwork.create({ lockDirectory: join(scratch, "locks") });
    try {
      const attachment = await network.addPod();
      const pod = await PodProcess.start({
        name: "closing",
        netns: attachment.netns,
        dataDir: join(scratch, "closing"),
      });
      groups.push(pod.pgid);
      // Started in the namespace by hand, so only the network's teardown knows of it.
      const stray = spawn("ip", ["netns", "exec", attachment.netns, "sleep", "300"], {
        detached: true,
        stdio: "ignore",
      });
      if (stray.pid) groups.push(stray.pid);
      await waitUntil("the stray sleep to run in the Pod's namespace", 10_000, () =>
        execFileSync("ip", ["netns", "pids", attachment.netns], { encoding: "utf8" }).includes(String(stray.pid)),
      );
      await pod.stop();
      network.close();
      expect(leftovers([network.prefix])).toEqual([]);
      await waitUntil(
        "the stray sleep to be killed",
        10_000,
        () => stray.exitCode !== null || stray.signalCode !== null,
      );
      expect(stray.signalCode).toBe("SIGKILL");
    } finally {
      network.close();
    }
  });

  it("refuses a Pod range that overlaps a host route", async () => {
    const local = "127.0.0.0/24";
    await expect(
      PodNetwork.create({ podRange: local, serviceRange: "10.99.1.0/24", lockDirectory: join(scratch, "locks") }),
    ).rejects.toThrow(/Pod range 127\.0\.0\.0\/24 overlaps the host route "local 127\.0\.0\.0\/8 dev lo table local"/);
  });
});
