import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { measureCpu } from "../../bench/cpu-time.js";

const run = promisify(execFile);
/** A child that keeps one core busy for `ms`, then exits. */
const burn = (ms: number) => run(process.execPath, ["-e", `const end = Date.now() + ${ms}; while (Date.now() < end);`]);

describe("measureCpu", () => {
  it("counts a child that ended within the stretch to its parent's descendants, not to the parent", async () => {
    const cpu = await measureCpu([
      { name: "children", pid: process.pid, count: "descendants" },
      { name: "this process", pid: process.pid, count: "self" },
    ]);
    await burn(400);
    const use = await cpu.stop();
    const [children, self] = use.groups;
    expect(children!.name).toBe("children");
    expect(children!.seconds).toBeGreaterThanOrEqual(0.3);
    expect(self!.seconds).toBeLessThan(children!.seconds);
    expect(use.hostBusy).toBeGreaterThanOrEqual(children!.seconds - 0.05);
    expect(use.wallSeconds).toBeGreaterThanOrEqual(0.4);
    expect(use.cores).toBeGreaterThan(0);
  });

  it("names the group whose process is gone", async () => {
    const { stdout } = await run(process.execPath, ["-e", "console.log(process.pid)"]);
    await expect(measureCpu([{ name: "a finished child", pid: Number(stdout), count: "self" }])).rejects.toThrow(
      /process \d+ \(a finished child\) is gone/,
    );
  });
});
