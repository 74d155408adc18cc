import { residentMemory } from "./process-memory.js";
import { sampleValue, scrape } from "./prometheus-text.js";

/** The longest event-loop delay since the previous scrape: prom-client's default metric, reset by every scrape. */
const EVENT_LOOP_DELAY_MAX = "nodejs_eventloop_lag_max_seconds";

/** What sampling one process found. */
export interface ProcessSamples {
  /** Resident memory when the sampling started, MiB. */
  rssStart: number;
  /** The most resident memory any sample read (`VmRSS`), MiB. */
  rssMax: number;
  /** Resident memory at the last sample, MiB. */
  rssEnd: number;
  /** V8's heap in use and its size, and memory held outside it (buffers), at the sample that read `rssMax`, MiB. */
  atRssMax: { heapUsed: number; heapTotal: number; external: number };
  /** The longest event-loop delay the process measured itself over the sampled time, ms. */
  eventLoopDelayMaxMs: number;
  /** When the sample with that delay was taken (ms since the epoch); it covers the interval before. */
  eventLoopDelayMaxAt: number;
  /** Every sample: when it was taken (ms since the epoch), resident memory (MiB), longest delay since the last (ms). */
  series: { at: number; rss: number; delayMs: number }[];
  /** Samples taken. */
  samples: number;
  /** Ticks left out because the previous sample had not finished (a slow scrape is itself a sign of a stall). */
  skipped: number;
}

/** A sampler running; `stop()` takes a last sample and resolves with what it found. */
export interface ProcessSampler {
  stop(): Promise<ProcessSamples>;
}

/**
 * Samples process `pid` every `intervalMs`: its resident memory from `/proc/PID/status` and the longest event-loop
 * delay it measured since the previous sample, from its own `/metrics` at `metricsURL`. A first scrape before the
 * sampling starts resets the delay, so that the process's start-up is not counted.
 */
export async function sampleProcess(pid: number, metricsURL: string, intervalMs = 1000): Promise<ProcessSampler> {
  await scrape(metricsURL);
  const rssStart = (await residentMemory(pid)).rss;
  const found: ProcessSamples = {
    rssStart,
    rssMax: rssStart,
    rssEnd: 0,
    atRssMax: { heapUsed: 0, heapTotal: 0, external: 0 },
    eventLoopDelayMaxMs: 0,
    eventLoopDelayMaxAt: 0,
    series: [],
    samples: 0,
    skipped: 0,
  };
  const sample = async () => {
    const [memory, text] = await Promise.all([residentMemory(pid), scrape(metricsURL)]);
    if (memory.rss >= found.rssMax) {
      const mib = (name: string) => sampleValue(text, name) / 2 ** 20;
      found.atRssMax = {
        heapUsed: mib("nodejs_heap_size_used_bytes"),
        heapTotal: mib("nodejs_heap_size_total_bytes"),
        external: mib("nodejs_external_memory_bytes"),
      };
    }
    found.rssMax = Math.max(found.rssMax, memory.rss);
    found.rssEnd = memory.rss;
    const delayMs = sampleValue(text, EVENT_LOOP_DELAY_MAX) * 1000;
    found.series.push({ at: Date.now(), rss: memory.rss, delayMs });
    if (delayMs > found.eventLoopDelayMaxMs) {
      found.eventLoopDelayMaxMs = delayMs;
      found.eventLoopDelayMaxAt = Date.now();
    }
    found.samples++;
  };
  let running: Promise<void> | undefined;
  let failure: Error | undefined;
  const timer = setInterval(() => {
    if (running) {
      found.skipped++;
      return;
    }
    running = sample()
      .catch((error: unknown) => void (failure ??= error instanceof Error ? error : new Error(String(error))))
      .finally(() => (running = undefined));
  }, intervalMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
      await sample();
      if (failure) throw new Error(`sampling process ${pid} failed: ${failure.message}`);
      return found;
    },
  };
}
