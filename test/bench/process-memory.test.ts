import { describe, expect, it } from "vitest";
import { residentMemory } from "../../bench/process-memory.js";

describe("residentMemory", () => {
  it("reads this process's resident memory and its peak, in MiB", async () => {
    const memory = await residentMemory(process.pid);
    expect(memory.rss).toBeGreaterThan(1);
    expect(memory.peak).toBeGreaterThanOrEqual(memory.rss);
  });

  it("rejects for a process that does not exist", async () => {
    await expect(residentMemory(2 ** 30)).rejects.toThrow();
  });
});
