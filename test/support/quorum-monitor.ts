import type { Etcd3 } from "etcd3";
import { expect } from "vitest";
import type { SandboxClusterInfo, SandboxInfo } from "./etcd-sandbox.js";
import { createEtcdClient } from "../../src/gateways/etcd/etcd-client.js";
import { etcdClientOptions } from "./etcd-cluster-checks.js";

/** One look at the cluster: whether any member served a linearizable read, which needs a quorum. */
export interface QuorumSample {
  /** When the look began, ms since the epoch. */
  at: number;
  /** The members (by index) that served the read. */
  answered: number[];
  /** The members that did not, each with why: its error, or how long it was given. */
  silent: { member: number; why: string }[];
  /** Undefined when some member answered; else why no member did, naming each. */
  failure?: string;
}

/** Watches a cluster's quorum while something runs; `stop()` ends it and answers what it saw. */
export interface QuorumMonitor {
  /** The looks so far, oldest first; it grows until `stop()`. */
  readonly samples: readonly QuorumSample[];
  stop(): Promise<QuorumSample[]>;
}

/** What the monitor needs of a sandbox: how to reach etcd, and the members' client URLs. */
export type QuorumTarget = Pick<SandboxInfo, "tls" | "etcdAuth">;

/** How long a member may take to serve one linearizable read before it counts as silent in that look. */
const SAMPLE_TIMEOUT_MS = 3000;
/** The pause between two looks. */
const INTERVAL_MS = 250;

/** A client of one member, and the read it still owes from an earlier look, if any. */
interface MemberProbe {
  index: number;
  client: Etcd3;
  pending?: Promise<void>;
}

/**
 * Looks at the cluster every 250 ms until stopped. Each look sends a linearizable read of one key to every
 * member at once, through a client of that member alone. A member serves such a read only after the leader has
 * confirmed with a majority of the voting members that it still leads, so one answer is proof of a quorum at
 * that moment; a look that no member answers within 3 s counts as a moment without quorum, and says what each
 * member did. A member stopped by the recovery is simply silent. The looks are sequential, and a member still
 * owing an earlier read is not sent another: nothing piles up on a member that hangs.
 *
 * Resolves once every member has been asked a first read (and answered, or failed, or had 3 s), so that the
 * monitor is logged in to every member that answers before anything is broken. With etcd authentication that first
 * read is also the login: a login is a raft proposal, and one caught by a leader's death waits out etcd's request
 * timeout (7 s) where a read waits only for the election; the looks must measure reads, not logins.
 */
export async function monitorQuorum(
  info: QuorumTarget,
  cluster: { members: readonly Pick<SandboxClusterInfo["members"][number], "index" | "clientURL">[] },
): Promise<QuorumMonitor> {
  const probes: MemberProbe[] = cluster.members.map((m) => ({
    index: m.index,
    client: createEtcdClient(etcdClientOptions(info, [m.clientURL])),
  }));
  // Every member asked once (logging in) before the first look; one that is down now logs in when it answers.
  await Promise.all(probes.map((probe) => askMember(probe)));
  const samples: QuorumSample[] = [];
  let stopped = false;
  let wake: (() => void) | undefined;
  const looking = (async () => {
    while (!stopped) {
      samples.push(await look(probes));
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, INTERVAL_MS);
      });
    }
  })();
  return {
    samples,
    async stop() {
      stopped = true;
      wake?.();
      await looking;
      for (const probe of probes) probe.client.close();
      return samples;
    },
  };
}

/** One look: every member asked at once, each given `SAMPLE_TIMEOUT_MS`. */
async function look(probes: MemberProbe[]): Promise<QuorumSample> {
  const at = Date.now();
  const outcomes = await Promise.all(probes.map((probe) => askMember(probe)));
  const answered = probes.filter((_, i) => outcomes[i] === undefined).map((p) => p.index);
  const silent = probes.flatMap((p, i) => (outcomes[i] === undefined ? [] : [{ member: p.index, why: outcomes[i] }]));
  const sample: QuorumSample = { at, answered, silent };
  if (answered.length === 0)
    sample.failure = `no member answered: ${silent.map((s) => `member ${s.member}: ${s.why}`).join("; ")}`;
  return sample;
}

/** Undefined when the member served the read within the time; else why not. */
async function askMember(probe: MemberProbe): Promise<string | undefined> {
  if (probe.pending) return "still owes the read of an earlier look";
  let failure: string | undefined;
  const read = probe.client
    .get("quorum-probe")
    .string()
    .then(
      () => undefined,
      (error: unknown) => {
        failure = error instanceof Error ? error.message.split("\n")[0] : String(error);
      },
    )
    .finally(() => {
      probe.pending = undefined;
    });
  probe.pending = read;
  let timer: NodeJS.Timeout | undefined;
  const inTime = await Promise.race([
    read.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), SAMPLE_TIMEOUT_MS);
    }),
  ]);
  clearTimeout(timer);
  if (!inTime) return `no answer within ${SAMPLE_TIMEOUT_MS} ms`;
  return failure;
}

/** Asserts that the cluster had a quorum at every look, and that there were looks at all (at least `atLeast`). */
export function expectQuorumKept(samples: readonly QuorumSample[], atLeast = 4): void {
  expect(samples.length, "looks at the cluster's quorum").toBeGreaterThanOrEqual(atLeast);
  const lost = samples.filter((sample) => sample.failure !== undefined);
  expect(lost, `looks without quorum, of ${samples.length}`).toEqual([]);
}
