import { performance } from "node:perf_hooks";
import { getHeapStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Logger } from "./logger.js";

/**
 * After a burst (an alert storm, a soak), V8 keeps the heap the burst grew, and the pages it frees stay resident:
 * the process's memory does not come down when the work stops, and V8's own memory reducer waits for an allocation
 * rate an idle service with timers and Redis connections does not reach. This gives the memory back once the process
 * is quiet: one full collection that also returns freed pages to the system (V8's "last resort" collection, the one
 * it runs before giving up on memory). It blocks the event loop for tens of milliseconds, so it runs only when the
 * event loop has been nearly idle for a whole interval, and only when there is something to give back: the heap grew
 * since the last time, or it is much larger than what it holds. The second covers start-up, after which the heap is
 * about twice what it holds (with every dependency loaded, some 65 MiB more), and a release that came while a burst's
 * objects were still in use.
 */
export interface IdleHeapReleaseOptions {
  /** How often to look, ms; default 10 000. */
  intervalMs?: number;
  /** Event-loop utilisation (0 to 1) over an interval under which the process counts as quiet; default 0.05. */
  quietUtilization?: number;
  /**
   * Growth of V8's heap over its size after the last release (or at start), or excess of its size over what it
   * holds, that is worth a release, bytes; 32 MiB.
   */
  growthBytes?: number;
  /** Receives one info line per release, with the memory before and after. */
  logger: Logger;
  /** Called after each release (e.g. to count it in a metric). */
  onRelease?: () => void;
}

/** A running watch; `stop()` ends it. */
export interface IdleHeapRelease {
  stop(): void;
}

/** What one look sees. */
export interface HeapLook {
  /** Event-loop utilisation since the last look, 0 to 1. */
  utilization: number;
  /** V8's heap size now (`total_heap_size`), bytes. */
  heapBytes: number;
  /** What the heap holds now (`used_heap_size`), bytes. */
  usedBytes: number;
  /** V8's heap size after the last release, or at start, bytes. */
  baselineBytes: number;
}

const DEFAULTS = { intervalMs: 10_000, quietUtilization: 0.05, growthBytes: 32 * 2 ** 20 } as const;

/**
 * Whether a look calls for a release: the process was quiet, and the heap grew by at least `growthBytes` or is at
 * least that much larger than what it holds.
 */
export function shouldReleaseHeap(look: HeapLook, limits: { quietUtilization: number; growthBytes: number }): boolean {
  if (look.utilization >= limits.quietUtilization) return false;
  const grown = look.heapBytes - look.baselineBytes;
  const unused = look.heapBytes - look.usedBytes;
  return grown >= limits.growthBytes || unused >= limits.growthBytes;
}

type CollectGarbage = (options: { type: "major"; execution: "sync"; flavor: "last-resort" }) => void;

let collectGarbage: CollectGarbage | undefined;

/**
 * V8's collector as a function, without the process's global `gc`: the flag is set at run time and the function
 * taken from a fresh context, so nothing else in the process sees it.
 */
function garbageCollector(): CollectGarbage {
  if (!collectGarbage) {
    setFlagsFromString("--expose-gc");
    collectGarbage = runInNewContext("gc") as CollectGarbage;
  }
  return collectGarbage;
}

/** Starts looking every `intervalMs`; the timer does not keep the process alive. */
export function startIdleHeapRelease(options: IdleHeapReleaseOptions): IdleHeapRelease {
  const limits = { ...DEFAULTS, ...options };
  const logger = options.logger.child({ component: "memory" });
  const collect = garbageCollector();
  let baselineBytes = getHeapStatistics().total_heap_size;
  let last = performance.eventLoopUtilization();

  const look = () => {
    const now = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(now, last);
    last = now;
    const heap = getHeapStatistics();
    const heapBytes = heap.total_heap_size;
    if (!shouldReleaseHeap({ utilization, heapBytes, usedBytes: heap.used_heap_size, baselineBytes }, limits)) return;
    const rssBefore = process.memoryUsage.rss();
    const startedAt = performance.now();
    collect({ type: "major", execution: "sync", flavor: "last-resort" });
    const tookMs = Math.round(performance.now() - startedAt);
    baselineBytes = getHeapStatistics().total_heap_size;
    last = performance.eventLoopUtilization();
    const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
    logger.info(
      {
        heapMiB: { before: mib(heapBytes), after: mib(baselineBytes) },
        rssMiB: { before: mib(rssBefore), after: mib(process.memoryUsage.rss()) },
        tookMs,
      },
      "quiet: gave memory back",
    );
    options.onRelease?.();
  };
  const timer = setInterval(look, limits.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
