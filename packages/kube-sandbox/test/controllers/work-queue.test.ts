import { afterEach, describe, expect, it } from "vitest";
import { WorkQueue } from "../../src/controllers/work-queue.js";
import { capturingLogger } from "./fixtures.js";

const queues: WorkQueue[] = [];
afterEach(() => {
  for (const q of queues.splice(0)) q.stop();
});

function queue(reconcile: (key: string) => void | { requeueAfterMs?: number }, retryBaseMs = 1) {
  const log = capturingLogger();
  const q = new WorkQueue({ reconcile, logger: log.logger, retryBaseMs, describe: (key) => ({ object: key }) });
  queues.push(q);
  return { q, log };
}

/** A promise settled from inside a reconcile, failing with `what` at the deadline. */
function signal(what: string, timeoutMs = 2000): { done: () => void; reached: Promise<void> } {
  let done = (): void => {};
  const reached = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
    done = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  return { done, reached };
}

describe("WorkQueue", () => {
  it("handles a key added many times before it runs once, outside the caller's stack", async () => {
    const seen: string[] = [];
    const { q } = queue((key) => void seen.push(key));
    q.add("a");
    q.add("a");
    q.add("b");
    q.add("a");
    expect(seen).toEqual([]);
    await q.idle();
    expect(seen).toEqual(["a", "b"]);
  });

  it("handles a key added by a reconcile in a later turn", async () => {
    const seen: string[] = [];
    const { q } = queue((key) => {
      seen.push(key);
      if (key === "first") q.add("second");
    });
    q.add("first");
    await q.idle();
    expect(seen).toEqual(["first", "second"]);
  });

  it("retries a failed reconcile and logs the failure with the key", async () => {
    let attempts = 0;
    const third = signal("the third attempt");
    const { q, log } = queue((key) => {
      attempts += 1;
      if (attempts < 3) throw new Error(`not yet: ${key}`);
      third.done();
    });
    q.add("etcd/etcd-0");
    await third.reached;
    const errors = log.lines().filter((line) => line.level === "error");
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatchObject({ object: "etcd/etcd-0", attempt: 1, msg: "reconcile failed; retrying" });
    expect(errors[1]).toMatchObject({ attempt: 2, retryInMs: 2 });
  });

  it("looks at a key again after the delay a reconcile asks for", async () => {
    let runs = 0;
    const second = signal("the delayed second run");
    const { q } = queue(() => {
      runs += 1;
      if (runs === 2) second.done();
      return runs === 1 ? { requeueAfterMs: 5 } : undefined;
    });
    q.add("k");
    await second.reached;
  });

  it("drops all work when stopped and resolves idle waiters", async () => {
    const seen: string[] = [];
    const { q } = queue((key) => void seen.push(key));
    q.add("a");
    q.addAfter("b", 1);
    const idle = q.idle();
    q.stop();
    await idle;
    q.add("c");
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([]);
  });
});
