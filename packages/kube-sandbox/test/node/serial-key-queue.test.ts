import { describe, expect, it } from "vitest";
import { SerialKeyQueue } from "../../src/node/serial-key-queue.js";

describe("SerialKeyQueue", () => {
  it("handles keys one at a time, later than the add, once per wait, and again when added meanwhile", async () => {
    const log: string[] = [];
    let running = 0;
    const queue: SerialKeyQueue = new SerialKeyQueue(
      async (key) => {
        running++;
        log.push(`start ${key}${running > 1 ? " (overlapping)" : ""}`);
        if (key === "a" && !log.includes("end a")) queue.add("a");
        await new Promise((resolve) => setImmediate(resolve));
        log.push(`end ${key}`);
        running--;
      },
      (key, err) => log.push(`error ${key}: ${String(err)}`),
    );
    queue.add("a");
    queue.add("b");
    queue.add("a");
    expect(log).toEqual([]);
    await queue.idle();
    expect(log).toEqual(["start a", "end a", "start b", "end b", "start a", "end a"]);
  });

  it("reports a failing key and goes on; a stopped queue drops what waits and takes nothing more", async () => {
    const handled: string[] = [];
    const errors: string[] = [];
    const queue = new SerialKeyQueue(
      (key) => {
        handled.push(key);
        return key === "bad" ? Promise.reject(new Error("no")) : Promise.resolve();
      },
      (key, err) => errors.push(`${key}: ${(err as Error).message}`),
    );
    queue.add("bad");
    queue.add("good");
    await queue.idle();
    expect(handled).toEqual(["bad", "good"]);
    expect(errors).toEqual(["bad: no"]);

    queue.add("waiting");
    await queue.stop();
    queue.add("late");
    await queue.idle();
    expect(handled).toEqual(["bad", "good"]);
  });
});
