import type { V1Pod } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DeadlineExceededError } from "../../../src/core/errors.js";
import { KubernetesApiError } from "../../../src/gateways/kubernetes/errors.js";
import {
  waitForPodSet,
  type PodListing,
  type PodSource,
  type PodWatchEvent,
  type PodWaitOptions,
} from "../../../src/gateways/kubernetes/pods.js";
import { capturingLogger } from "../../support/capturing-logger.js";

const pod = (name: string, phase = "Running"): V1Pod => ({ metadata: { name }, status: { phase } });
const names = (pods: V1Pod[]) => pods.map((p) => p.metadata!.name!);

/** One watch the wait opened on the scripted source. */
interface OpenWatch {
  resourceVersion: string;
  send: (event: PodWatchEvent) => void;
  end: (error?: unknown) => void;
  stopped: boolean;
}

/**
 * A PodSource played by the test: each list answers with the next scripted listing (or failure), and the
 * test sends watch events itself. Pure logic under test, so no API server here; the integration test has one.
 */
class ScriptedSource implements PodSource {
  readonly watches: OpenWatch[] = [];
  lists = 0;
  constructor(private readonly listings: (PodListing | Error)[]) {}

  list(): Promise<PodListing> {
    this.lists++;
    const next = this.listings.length > 1 ? this.listings.shift()! : this.listings[0]!;
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  }

  watch(
    resourceVersion: string,
    onEvent: (event: PodWatchEvent) => void,
    onEnd: (error?: unknown) => void,
  ): Promise<() => void> {
    const watch: OpenWatch = { resourceVersion, send: onEvent, end: onEnd, stopped: false };
    this.watches.push(watch);
    return Promise.resolve(() => {
      watch.stopped = true;
    });
  }

  /** The most recent watch. */
  get last(): OpenWatch {
    const watch = this.watches.at(-1);
    if (!watch) throw new Error("no watch was opened");
    return watch;
  }
}

const listing = (resourceVersion: string, ...pods: V1Pod[]): PodListing => ({ pods, resourceVersion });

describe("waitForPodSet", () => {
  const log = capturingLogger();
  const options = <T>(
    check: (pods: V1Pod[]) => T | undefined,
    extra: Partial<PodWaitOptions<T>> = {},
  ): PodWaitOptions<T> => ({
    check,
    what: "the member Pods",
    timeoutMs: 10_000,
    logger: log.logger,
    ...extra,
  });

  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it("settles right after the list when the Pods already satisfy the check, without watching", async () => {
    const source = new ScriptedSource([listing("5", pod("b"), pod("a"))]);
    const seen: string[][] = [];
    const result = await waitForPodSet(
      source,
      options((pods) => (seen.push(names(pods)), pods.length === 2 ? "two" : undefined)),
    );
    expect(result).toBe("two");
    expect(seen).toEqual([["a", "b"]]);
    expect(source.watches).toEqual([]);
  });

  it("watches from the list's version, keeps Pods by name, and stops the watch once settled", async () => {
    const source = new ScriptedSource([listing("7", pod("a", "Pending"))]);
    const seen: string[] = [];
    const wait = waitForPodSet(
      source,
      options((pods) => {
        seen.push(pods.map((p) => `${p.metadata!.name}:${p.status!.phase}`).join(","));
        return pods.length === 1 && pods[0]!.metadata!.name === "b" ? "only b" : undefined;
      }),
    );
    await vi.advanceTimersByTimeAsync(0);
    const watch = source.last;
    expect(watch.resourceVersion).toBe("7");
    watch.send({ type: "MODIFIED", pod: pod("a", "Running") });
    watch.send({ type: "BOOKMARK" });
    watch.send({ type: "ADDED", pod: pod("b", "Pending") });
    watch.send({ type: "DELETED", pod: pod("a", "Running") });
    await expect(wait).resolves.toBe("only b");
    expect(seen).toEqual(["a:Pending", "a:Running", "a:Running,b:Pending", "b:Pending"]);
    expect(watch.stopped).toBe(true);
    // Late events of a settled wait change nothing and call nothing.
    watch.send({ type: "ADDED", pod: pod("c") });
    watch.end();
    expect(seen).toHaveLength(4);
    expect(source.lists).toBe(1);
  });

  it("lists again at once when the watch answers 410, and watches from the new list", async () => {
    const source = new ScriptedSource([listing("90", pod("a"))]);
    const wait = waitForPodSet(source, {
      ...options((pods) => (pods.length === 1 ? names(pods) : undefined)),
      startFrom: listing("1"),
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(source.lists).toBe(0);
    expect(source.last.resourceVersion).toBe("1");
    source.last.send({ type: "ERROR", code: 410, message: "too old resource version: 1 (80)" });
    await expect(wait).resolves.toEqual(["a"]);
    expect(source.watches[0]!.stopped).toBe(true);
    expect(source.lists).toBe(1);
  });

  it("lists again when a long-lived watch ends, with Pods deleted meanwhile gone from the set", async () => {
    const source = new ScriptedSource([listing("3", pod("a"), pod("b")), listing("9", pod("b"))]);
    const wait = waitForPodSet(
      source,
      options((pods) => (pods.length === 1 ? names(pods) : undefined)),
    );
    await vi.advanceTimersByTimeAsync(5000);
    source.last.end();
    await expect(wait).resolves.toEqual(["b"]);
    expect(source.lists).toBe(2);
  });

  it("pauses, growing, before listing again when the watch fails or keeps ending at once", async () => {
    const source = new ScriptedSource([listing("3"), listing("4"), listing("5"), listing("6", pod("a"))]);
    const wait = waitForPodSet(
      source,
      options((pods) => (pods.length === 1 ? true : undefined), { retryDelayMs: 100 }),
    );
    await vi.advanceTimersByTimeAsync(0);
    source.last.end(new Error("socket hang up"));
    await vi.advanceTimersByTimeAsync(99);
    expect(source.lists).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(source.lists).toBe(2);
    // A watch that ends cleanly but right away counts as a failure too: the pause doubles.
    source.last.end();
    await vi.advanceTimersByTimeAsync(199);
    expect(source.lists).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(source.lists).toBe(3);
    source.last.send({ type: "ERROR", code: 500, message: "internal error" });
    await vi.advanceTimersByTimeAsync(399);
    expect(source.lists).toBe(3);
    await vi.advanceTimersByTimeAsync(1);
    await expect(wait).resolves.toBe(true);
    expect(log.lines().filter((l) => l.msg === "pod watch failed, listing again")).not.toHaveLength(0);
  });

  it("caps the pause, and starts over from a short one once a watch delivers again", async () => {
    const source = new ScriptedSource([listing("3")]);
    const wait = waitForPodSet(
      source,
      options((pods) => (pods.length === 2 ? true : undefined), { retryDelayMs: 100, maxRetryDelayMs: 300 }),
    );
    await vi.advanceTimersByTimeAsync(0);
    for (const pause of [100, 200, 300, 300]) {
      const lists = source.lists;
      source.last.end(new Error("refused"));
      await vi.advanceTimersByTimeAsync(pause - 1);
      expect(source.lists).toBe(lists);
      await vi.advanceTimersByTimeAsync(1);
      expect(source.lists).toBe(lists + 1);
    }
    source.last.send({ type: "ADDED", pod: pod("a") });
    const lists = source.lists;
    source.last.end(new Error("refused"));
    await vi.advanceTimersByTimeAsync(100);
    expect(source.lists).toBe(lists + 1);
    source.last.send({ type: "ADDED", pod: pod("a") });
    source.last.send({ type: "ADDED", pod: pod("b") });
    await expect(wait).resolves.toBe(true);
  });

  it("retries a list that fails for a reason that can pass, and fails at once for one that cannot", async () => {
    const flaky = new ScriptedSource([
      new KubernetesApiError("list", "Pods", Object.assign(new Error("Service Unavailable"), { statusCode: 503 })),
      listing("2", pod("a")),
    ]);
    const ok = waitForPodSet(
      flaky,
      options((pods) => (pods.length ? true : undefined), { retryDelayMs: 50 }),
    );
    await vi.advanceTimersByTimeAsync(50);
    await expect(ok).resolves.toBe(true);

    const forbidden = new KubernetesApiError(
      "list",
      "Pods",
      Object.assign(new Error("Forbidden"), { statusCode: 403 }),
    );
    const refused = new ScriptedSource([forbidden]);
    await expect(
      waitForPodSet(
        refused,
        options(() => undefined),
      ),
    ).rejects.toBe(forbidden);
    expect(refused.lists).toBe(1);
  });

  it("rejects with DeadlineExceededError naming what it waited for, the last Pods seen and failure", async () => {
    const source = new ScriptedSource([listing("3", pod("example-1-x", "Pending"))]);
    const wait = waitForPodSet(
      source,
      options(() => undefined, { timeoutMs: 2000 }),
    );
    const settled = wait.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(0);
    source.last.end(new Error("connection reset"));
    await vi.advanceTimersByTimeAsync(2000);
    const error = await settled;
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as Error).message).toBe(
      "gave up after 2 s waiting for the member Pods " +
        "(last: example-1-x Pending not ready; last error: connection reset)",
    );
    expect(source.watches.every((w) => w.stopped)).toBe(true);
    // Nothing is left running: no timer fires a list after the wait ended.
    const lists = source.lists;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(source.lists).toBe(lists);
  });

  it("refuses a deadline a timer cannot hold", async () => {
    const source = new ScriptedSource([listing("3")]);
    await expect(
      waitForPodSet(
        source,
        options(() => true, { timeoutMs: 0 }),
      ),
    ).rejects.toThrow(RangeError);
    await expect(
      waitForPodSet(
        source,
        options(() => true, { timeoutMs: 2 ** 31 }),
      ),
    ).rejects.toThrow(/timeoutMs of a wait for the member Pods/);
    expect(source.lists).toBe(0);
  });

  it("rejects with what the check throws", async () => {
    const source = new ScriptedSource([listing("3", pod("a"))]);
    await expect(
      waitForPodSet(
        source,
        options(() => {
          throw new Error("two members share one address");
        }),
      ),
    ).rejects.toThrow("two members share one address");
  });

  it("ignores the events and the end of a watch it already left", async () => {
    const source = new ScriptedSource([listing("3"), listing("4")]);
    let checks = 0;
    const wait = waitForPodSet(
      source,
      options((pods) => (checks++, pods.some((p) => p.metadata!.name === "fresh") ? true : undefined)),
    );
    await vi.advanceTimersByTimeAsync(0);
    const first = source.last;
    first.send({ type: "ERROR", code: 410, message: "too old" });
    await vi.advanceTimersByTimeAsync(0);
    expect(source.watches).toHaveLength(2);
    first.send({ type: "ADDED", pod: pod("stale") });
    first.end(new Error("aborted"));
    expect(checks).toBe(2);
    source.last.send({ type: "ADDED", pod: pod("fresh") });
    await expect(wait).resolves.toBe(true);
    expect(source.lists).toBe(2);
  });
});
