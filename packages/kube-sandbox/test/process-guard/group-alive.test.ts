import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { groupAlive } from "../../src/process-guard/group-alive.js";

describe("groupAlive", () => {
  it("sees a running group and not one that has ended", async () => {
    const child = spawn("sleep", ["300"], { detached: true, stdio: "ignore" });
    const pgid = child.pid!;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    try {
      expect(groupAlive(pgid)).toBe(true);
    } finally {
      child.kill("SIGKILL");
    }
    await exited;
    expect(groupAlive(pgid)).toBe(false);
  });
});
