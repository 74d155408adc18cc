import { Etcd3 } from "etcd3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enableEtcdAuth } from "../support/etcd-auth.js";
import { startEtcdCluster, type EtcdTestCluster } from "../support/etcd-cluster.js";
import { waitUntil } from "../support/etcd-retry.js";
import { monitorQuorum, type QuorumMonitor } from "../support/quorum-monitor.js";

// The fault tests and the fault benchmark judge "quorum kept" by this monitor, so it must tell a silent member
// from a lost quorum, and say which member did what.
describe("the quorum monitor, on three real etcd members", () => {
  let cluster: EtcdTestCluster;
  let monitor: QuorumMonitor | undefined;

  beforeAll(async () => {
    cluster = await startEtcdCluster({ members: 3 });
  }, 30_000);

  afterAll(async () => {
    await monitor?.stop();
    await cluster?.stop();
  });

  it("counts a look with one member down as kept, naming it; with two down, as lost, naming all three", async () => {
    const members = cluster.members.map((m) => ({ index: m.index, clientURL: m.clientURL }));
    monitor = await monitorQuorum({ tls: null }, { members });
    const watching = monitor;
    const looksWhere = (test: (answered: number[]) => boolean) =>
      Promise.resolve(watching.samples.filter((s) => test(s.answered)).length);

    await waitUntil(async () => (await looksWhere((a) => a.length === 3)) >= 2, "two looks answered by all", 10_000);
    await cluster.stopMember(3);
    await waitUntil(
      async () => (await looksWhere((a) => a.length === 2 && !a.includes(3))) >= 2,
      "two looks answered by members 1 and 2 alone",
      15_000,
    );
    await cluster.stopMember(2);
    await waitUntil(async () => (await looksWhere((a) => a.length === 0)) >= 1, "a look without quorum", 20_000);

    const samples = await watching.stop();
    monitor = undefined;
    const kept = samples.filter((s) => s.answered.length === 2);
    expect(kept.every((s) => s.failure === undefined && s.silent.map((x) => x.member).join() === "3")).toBe(true);
    const lost = samples.find((s) => s.failure !== undefined)!;
    expect(lost.answered).toEqual([]);
    expect(lost.silent.map((s) => s.member).sort()).toEqual([1, 2, 3]);
    expect(lost.failure).toMatch(/^no member answered: member 1: .+; member 2: .+; member 3: .+$/);
  }, 60_000);
});

describe("the quorum monitor, on three real etcd members with authentication", () => {
  const password = "monitor-test-password";
  let cluster: EtcdTestCluster;
  let monitor: QuorumMonitor | undefined;

  beforeAll(async () => {
    cluster = await startEtcdCluster({ members: 3 });
    await enableEtcdAuth({ hosts: cluster.clientURLs }, password);
  }, 30_000);

  afterAll(async () => {
    await monitor?.stop();
    await cluster?.stop();
  });

  it("has logged in to every member once started, so the leader killed at once costs no look", async () => {
    const members = cluster.members.map((m) => ({ index: m.index, clientURL: m.clientURL }));
    monitor = await monitorQuorum({ tls: null, etcdAuth: { username: "root", password } }, { members });
    const watching = monitor;
    const leader = await leaderIndex(cluster);
    await cluster.stopMember(leader);
    const others = members.map((m) => m.index).filter((i) => i !== leader);
    await waitUntil(
      () =>
        Promise.resolve(
          watching.samples.filter((s) => others.every((i) => s.answered.includes(i))).length >= 2 &&
            watching.samples.at(-1)?.answered.length === 2,
        ),
      `two looks answered by members ${others.join(" and ")} after the leader, member ${leader}, was killed`,
      20_000,
    );
    const samples = await watching.stop();
    monitor = undefined;
    expect(samples.filter((s) => s.failure !== undefined)).toEqual([]);
  }, 60_000);
});

/** The index of the member that leads, as the first member's status says (Status needs no login). */
async function leaderIndex(cluster: EtcdTestCluster): Promise<number> {
  const client = new Etcd3({ hosts: cluster.clientURLs[0]! });
  try {
    const status = await client.maintenance.status();
    const { members } = await client.cluster.memberList({ linearizable: false });
    const name = members.find((m) => m.ID === status.leader)?.name;
    const member = cluster.members.find((m) => m.name === name);
    if (!member) throw new Error(`the cluster named no leader (status: ${JSON.stringify(status)})`);
    return member.index;
  } finally {
    client.close();
  }
}
