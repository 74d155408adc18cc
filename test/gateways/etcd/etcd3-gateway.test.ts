import { stat, readdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Etcd3 } from "etcd3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EtcdUnavailableError } from "../../../src/core/errors.js";
import { createEtcdGateway } from "../../../src/gateways/etcd/etcd3-gateway.js";
import { formatInitialCluster, type EtcdGateway } from "../../../src/gateways/etcd/etcd-gateway.js";
import { isLearnerNotInSync, isUnhealthyCluster } from "../../../src/gateways/etcd/errors.js";
import { startEtcdCluster, type EtcdTestCluster } from "../../support/etcd-cluster.js";
import { retryWhile, waitUntil } from "../../support/etcd-retry.js";

// Real etcd 3.4 processes, real etcd3 gRPC. The tests build on each other: stop m3, replace it, check it.
describe("etcd gateway against a three-member cluster", () => {
  let cluster: EtcdTestCluster;
  let gateway: EtcdGateway;
  let snapshotDir: string;
  const url = (index: number) => cluster.members[index - 1]!.clientURL;
  const KEYS = Array.from({ length: 20 }, (_, i) => `before/${String(i).padStart(2, "0")}`);

  beforeAll(async () => {
    cluster = await startEtcdCluster({ members: 3 });
    gateway = createEtcdGateway({ clientURLs: cluster.clientURLs });
    snapshotDir = await mkdtemp(join(tmpdir(), "etcd-snapshots-"));
    const writer = new Etcd3({ hosts: cluster.clientURLs });
    try {
      for (const key of KEYS) await writer.put(key).value(`value of ${key}`);
    } finally {
      writer.close();
    }
  }, 30_000);

  afterAll(async () => {
    await gateway?.close();
    await cluster?.stop();
    if (snapshotDir) await rm(snapshotDir, { recursive: true, force: true });
  });

  it("lists the members and the cluster ID, the same from every member", async () => {
    const list = await gateway.memberList();
    expect(list.clusterId).toMatch(/^[1-9][0-9]*$/);
    expect(list.members.map((m) => m.name).sort()).toEqual(["m1", "m2", "m3"]);
    for (const member of cluster.members) {
      const listed = list.members.find((m) => m.name === member.name);
      expect(listed).toMatchObject({ peerURLs: [member.peerURL], clientURLs: [member.clientURL], isLearner: false });
      expect(listed?.id).toMatch(/^[1-9][0-9]*$/);
      const fromMember = await gateway.memberListFrom(member.clientURL);
      expect(fromMember.clusterId).toBe(list.clusterId);
      expect(fromMember.members.map((m) => m.id).sort()).toEqual(list.members.map((m) => m.id).sort());
    }
  });

  it("reads every member's status, all agreeing on one leader", async () => {
    const list = await gateway.memberList();
    const statuses = await Promise.all(cluster.clientURLs.map((u) => gateway.status(u)));
    for (const [i, status] of statuses.entries()) {
      expect(status.clientURL).toBe(url(i + 1));
      expect(status.memberId).toBe(list.members.find((m) => m.name === `m${i + 1}`)?.id);
      expect(status.clusterId).toBe(list.clusterId);
      expect(status.isLearner).toBe(false);
      expect(status.version).toMatch(/^3\.\d+\.\d+/);
      expect(status.dbSize).toBeGreaterThan(0);
      expect(status.errors).toEqual([]);
      expect(Number(status.raftTerm)).toBeGreaterThan(0);
    }
    expect(new Set(statuses.map((s) => s.leader)).size).toBe(1);
    expect(list.members.map((m) => m.id)).toContain(statuses[0]?.leader);
  });

  it("refuses answers from another cluster when the cluster ID is pinned", async () => {
    const pinned = createEtcdGateway({ clientURLs: cluster.clientURLs, clusterID: "1" });
    try {
      await expect(pinned.memberList()).rejects.toThrow(/answers for cluster \d+, not the expected 1/);
      await expect(pinned.removeMember("1")).rejects.toBeInstanceOf(EtcdUnavailableError);
    } finally {
      await pinned.close();
    }
  });

  it("fails fast with EtcdUnavailableError naming a stopped member, and lists members from the others", async () => {
    await cluster.stopMember(3);
    for (let attempt = 0; attempt < 2; attempt++) {
      const started = Date.now();
      const failure = await gateway.status(url(3)).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(Date.now() - started).toBeLessThan(1000);
      expect(failure).toBeInstanceOf(EtcdUnavailableError);
      expect((failure as EtcdUnavailableError).message).toContain(url(3));
      expect((failure as EtcdUnavailableError).clientURLs).toEqual([url(3)]);
      expect((failure as EtcdUnavailableError).retryable).toBe(true);
    }
    await expect(gateway.memberListFrom(url(3))).rejects.toBeInstanceOf(EtcdUnavailableError);

    // The dead member is asked first here; the list still comes from a live one.
    const deadFirst = createEtcdGateway({ clientURLs: [url(3), url(1), url(2)] });
    try {
      const started = Date.now();
      expect((await deadFirst.memberList()).members).toHaveLength(3);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await deadFirst.close();
    }
  });

  it("replaces the stopped member: remove, add a learner, start it empty, promote it", async () => {
    const before = await gateway.memberList();
    const dead = before.members.find((m) => m.name === "m3")!;
    // A membership change needs a leader among the living; if m3 led, wait for the election.
    await waitUntil(
      async () => {
        const status = await gateway.status(url(1));
        return status.leader !== "0" && status.leader !== dead.id;
      },
      "a leader other than the stopped member",
      10_000,
    );

    await gateway.removeMember(dead.id);
    const afterRemove = await gateway.memberList();
    expect(afterRemove.members.map((m) => m.name).sort()).toEqual(["m1", "m2"]);

    // Strict reconfiguration checking refuses adds until the serving member has seen every voting peer for ~5 s.
    const added = await retryWhile(
      () => gateway.addMember(cluster.members[2]!.peerURL, { learner: true }),
      isUnhealthyCluster,
      "etcd to accept the learner",
      15_000,
    );
    expect(added.member).toMatchObject({
      name: "",
      peerURLs: [cluster.members[2]!.peerURL],
      clientURLs: [],
      isLearner: true,
    });
    expect(added.member.id).not.toBe(dead.id);
    expect(added.members).toHaveLength(3);

    const initialCluster = formatInitialCluster(added.members, { id: added.member.id, name: "m3" });
    expect(initialCluster.split(",").sort()).toEqual(cluster.members.map((m) => `${m.name}=${m.peerURL}`).sort());
    await cluster.wipeAndRestartMember(3, { initialCluster, state: "existing" });

    const learner = await gateway.status(url(3));
    expect(learner.memberId).toBe(added.member.id);
    expect(learner.clusterId).toBe(before.clusterId);

    await retryWhile(
      () => gateway.promoteMember(added.member.id),
      isLearnerNotInSync,
      "the learner to catch up",
      15_000,
    );

    const after = await gateway.memberList();
    expect(after.clusterId).toBe(before.clusterId);
    expect(after.members.map((m) => [m.name, m.isLearner]).sort()).toEqual([
      ["m1", false],
      ["m2", false],
      ["m3", false],
    ]);
    expect(after.members.find((m) => m.name === "m3")?.id).toBe(added.member.id);
    // The promoted member learns of its promotion when it applies that entry, a moment after the leader.
    await waitUntil(
      async () => !(await gateway.status(url(3))).isLearner,
      "member m3 to apply its own promotion",
      10_000,
    );
  }, 40_000);

  it("has the same key-value hash on every member at the same revision", async () => {
    const { revision } = await gateway.hashKV(url(1));
    const hashes = await Promise.all(
      cluster.clientURLs.map((u) =>
        // The new member may still be applying the last entries: a future revision is refused until then.
        retryWhile(
          () => gateway.hashKV(u, Number(revision)),
          (e) => String(e).includes("future revision"),
          `${u} at revision ${revision}`,
          10_000,
        ),
      ),
    );
    expect(new Set(hashes.map((h) => h.hash)).size).toBe(1);
    expect(hashes[0]?.hash).toBeGreaterThan(0);
  });

  it("serves the keys written before the replacement from every member's own copy", async () => {
    for (const member of cluster.members) {
      const reader = new Etcd3({ hosts: member.clientURL });
      try {
        const values = await reader.getAll().prefix("before/").serializable(true).strings();
        expect(Object.keys(values).sort()).toEqual(KEYS);
        expect(values["before/07"]).toBe("value of before/07");
      } finally {
        reader.close();
      }
    }
  });

  it("streams a snapshot into a file, leaving no partial file", async () => {
    const file = join(snapshotDir, "nested", "cluster.db");
    const { bytes } = await gateway.snapshot(url(2), file);
    expect(bytes).toBeGreaterThan(0);
    const info = await stat(file);
    expect(info.size).toBe(bytes);
    expect(info.mode & 0o777).toBe(0o600);
    expect(await readdir(join(snapshotDir, "nested"))).toEqual(["cluster.db"]);
  });

  it("cannot be used after close", async () => {
    const closing = createEtcdGateway({ clientURLs: cluster.clientURLs });
    await closing.status(url(1));
    await closing.close();
    await expect(closing.status(url(1))).rejects.toThrow("closed");
  });
});
