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

  it("gives prepare the keys waiting together, once each, before the first of them is handled", async () => {
    const log: string[] = [];
    const queue: SerialKeyQueue = new SerialKeyQueue(
      async (key) => {
        log.push(`handle ${key}`);
        if (key === "a") queue.add("c");
        await new Promise((resolve) => setImmediate(resolve));
      },
      (key, err) => log.push(`error ${key}: ${String(err)}`),
      async (keys) => {
        log.push(`prepare ${keys.join(",")}`);
        if (keys.includes("d")) throw new Error("no");
        await new Promise((resolve) => setImmediate(resolve));
      },
    );
    queue.add("a");
    queue.add("b");
    await queue.idle();
    expect(log).toEqual(["prepare a,b", "handle a", "handle b", "prepare c", "handle c"]);

    log.length = 0;
    queue.add("d");
    queue.add("e");
    await queue.idle();
    expect(log).toEqual(["prepare d,e", "error d: Error: no", "error e: Error: no", "handle d", "handle e"]);
  });
});
