import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot, RUN_TYPESCRIPT } from "../support/tools.js";
import { DEPLOYMENT_STEPS } from "../../src/recovery/context.js";

describe("the demo", () => {
  it("breaks member 3, delivers the alert and shows the recovery until the cluster is healthy", async () => {
    const dir = await mkdtemp(join(tmpdir(), "demo-test-"));
    const child = spawn(
      process.execPath,
      [...RUN_TYPESCRIPT, join(repoRoot, "scripts/demo.ts"), "--dir", dir, "--isolation", "loopback"],
      {
        cwd: repoRoot,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    try {
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      expect(code, output).toBe(0);
      expect(output).toMatch(/CrashLoopBackOff/);
      expect(output).toMatch(/202 \{"enqueued":\[\{"id":"example-3-/);
      for (const step of DEPLOYMENT_STEPS) {
        expect(output).toMatch(new RegExp(`^   \\[${step}\\] `, "m"));
      }
      expect(output).toMatch(/^ {3}succeeded: recovered member example3 of default\/example$/m);
      expect(output.match(/member example\d \S+ voter/g)).toHaveLength(5);
      expect(output).toContain("key written before the failure: still here");
    } finally {
      clearTimeout(timer);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
