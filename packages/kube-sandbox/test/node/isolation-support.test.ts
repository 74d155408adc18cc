import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkIsolationSupport } from "../../src/node/isolation-support.js";

const fixture = fileURLToPath(new URL("./fixtures/print-support.ts", import.meta.url));
const runningAsRoot = process.getuid?.() === 0;

/** Runs the support check in a child process as `uid`, and parses what it prints. */
function supportAs(uid: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", "tsx", fixture],
      { uid, gid: uid, timeout: 30_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}: ${stderr}`)) : resolve(JSON.parse(stdout))),
    );
  });
}

describe.runIf(runningAsRoot)("checkIsolationSupport (needs root, skipped otherwise)", () => {
  it("finds namespaces, bridges, veth pairs and overlay mounts usable here", async () => {
    expect(await checkIsolationSupport()).toEqual({ supported: true });
  });

  it("says in one line that a process that is not root cannot isolate Pods", async () => {
    const support = await supportAs(65534);
    expect(support).toEqual({ supported: false, reason: "Pod isolation needs root; this process runs as uid 65534" });
  });
});
