import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot, RUN_TYPESCRIPT } from "../support/tools.js";
import { DEPLOYMENT_STEPS } from "../../src/recovery/context.js";

/** Runs the demo to its end and returns what it printed; fails unless it exits 0. */
async function runDemo(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "demo-test-"));
  const child = spawn(process.execPath, [...RUN_TYPESCRIPT, join(repoRoot, "scripts/demo.ts"), "--dir", dir], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 170_000);
  try {
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code, output).toBe(0);
    return output;
  } finally {
    clearTimeout(timer);
    await rm(dir, { recursive: true, force: true });
  }
}

/** What every run of the demo shows: the broken member, the alert, each step, and the healthy cluster. */
function expectRecoveryShown(output: string): void {
  expect(output).toMatch(/CrashLoopBackOff/);
  expect(output).toMatch(/202 \{"enqueued":\[\{"id":"example-3-/);
  for (const step of DEPLOYMENT_STEPS) {
    expect(output).toMatch(new RegExp(`^   \\[${step}\\] `, "m"));
  }
  expect(output).toMatch(/^ {3}succeeded: recovered member example3 of default\/example$/m);
  expect(output.match(/member example\d \S+ voter/g)).toHaveLength(5);
  expect(output).toContain("key written before the failure: still here");
}

describe("the demo", () => {
  it("installs the chart, breaks member 3, and shows the in-cluster responder heal it step by step", async () => {
    const output = await runDemo();
    expect(output).toContain("helm install etcd-responder chart --namespace default --wait");
    for (const component of ["receiver", "worker", "redis-0"]) {
      expect(output).toMatch(new RegExp(`^ {3}etcd-responder-${component}\\S*\\s+1/1\\s+Running`, "m"));
    }
    expect(output).toMatch(/the receiver's Service; webhook POST \/v1\/alerts/);
    expectRecoveryShown(output);
  }, 180_000);
});
