import { expect } from "vitest";
import type { SandboxClusterInfo, SandboxInfo } from "./etcd-sandbox.js";
import { createEtcdClient } from "../../src/gateways/etcd/etcd-client.js";
import { etcdClientOptions } from "./etcd-cluster-checks.js";

/** One look at the cluster: whether it served a linearizable request, which needs a quorum. */
export interface QuorumSample {
  /** When the look began, ms since the epoch. */
  at: number;
  /** Undefined when the cluster answered; else why not. */
  failure?: string;
}

/** Watches a cluster's quorum while something runs; `stop()` ends it and answers what it saw. */
export interface QuorumMonitor {
  stop(): Promise<QuorumSample[]>;
}

/** How long one linearizable read may take before the look counts as "no quorum". */
const SAMPLE_TIMEOUT_MS = 3000;
/** The pause between two looks. */
const INTERVAL_MS = 250;

/**
 * Looks at the cluster every 250 ms until stopped: a linearizable read of one key through a client of every
 * member answers only while a majority of the voting members agree, so a look that fails (or takes over 3 s)
 * is a moment without quorum. The looks are sequential: one slow look delays the next, never piles up.
 */
export function monitorQuorum(info: SandboxInfo, cluster: SandboxClusterInfo): QuorumMonitor {
  const client = createEtcdClient(
    etcdClientOptions(
      info,
      cluster.members.map((m) => m.clientURL),
    ),
  );
  const samples: QuorumSample[] = [];
  let stopped = false;
  let wake: (() => void) | undefined;
  const looking = (async () => {
    while (!stopped) {
      const at = Date.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          client.get("quorum-probe").string(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${SAMPLE_TIMEOUT_MS} ms`)), SAMPLE_TIMEOUT_MS);
          }),
        ]);
        samples.push({ at });
      } catch (error) {
        samples.push({ at, failure: error instanceof Error ? error.message : String(error) });
      } finally {
        clearTimeout(timer);
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, INTERVAL_MS);
      });
    }
  })();
  return {
    async stop() {
      stopped = true;
      wake?.();
      await looking;
      client.close();
      return samples;
    },
  };
}

/** Asserts that the cluster had a quorum at every look, and that there were looks at all (at least `atLeast`). */
export function expectQuorumKept(samples: readonly QuorumSample[], atLeast = 4): void {
  expect(samples.length, "looks at the cluster's quorum").toBeGreaterThanOrEqual(atLeast);
  const lost = samples.filter((sample) => sample.failure !== undefined);
  expect(lost, `looks without quorum, of ${samples.length}`).toEqual([]);
}
