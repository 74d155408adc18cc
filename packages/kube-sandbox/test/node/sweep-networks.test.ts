import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { PodNetwork } from "../../src/node/pod-network.js";
import { sweepOrphanNetworks } from "../../src/node/sweep-networks.js";
import { firstLine, runningAsRoot } from "./isolation-harness.js";

const fixture = fileURLToPath(new URL("./fixtures/unguarded-network.ts", import.meta.url));

/** Names of network namespaces and interfaces that start with `prefix`. */
function namesWith(prefix: string): string[] {
  const netns = execFileSync("ip", ["netns", "list"], { encoding: "utf8" }).split("\n");
  const links = (
    JSON.parse(execFileSync("ip", ["-j", "link", "show"], { encoding: "utf8" })) as { ifname: string }[]
  ).map((link) => link.ifname);
  return [...netns, ...links].filter((name) => name.startsWith(prefix));
}

describe.runIf(runningAsRoot)("sweepOrphanNetworks (needs root, skipped otherwise)", () => {
  const scratch = mkdtempSync(join(tmpdir(), "sweep-networks-test-"));
  const groups: number[] = [];
  let live: PodNetwork | undefined;

  afterAll(() => {
    for (const pgid of groups) {
      try {
        process.kill(-pgid, "SIGKILL");
      } catch {
        // Gone already.
      }
    }
    live?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("removes the network of a sandbox that died unguarded, and leaves a running one alone", async () => {
    live = await PodNetwork.create({ lockDirectory: join(scratch, "locks") });
    await live.addPod();
    const child = spawn(process.execPath, ["--import", "tsx", fixture, join(scratch, "locks")], {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (child.pid) groups.push(child.pid);
    const orphan = await firstLine(child, "the unguarded network fixture", 30_000);
    const exited = new Promise((done) => child.once("exit", done));
    process.kill(-child.pid!, "SIGKILL");
    await exited;
    expect(namesWith(orphan).length).toBe(3);

    const swept = sweepOrphanNetworks();
    expect(swept.map((id) => `ksb${id}`)).toContain(orphan);
    expect(swept).not.toContain(live.id);
    expect(namesWith(orphan)).toEqual([]);
    expect(namesWith(live.prefix).length).toBe(3);
  });
});
