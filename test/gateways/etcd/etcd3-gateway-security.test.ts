import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EtcdUnavailableError } from "../../../src/core/errors.js";
import { createEtcdGateway } from "../../../src/gateways/etcd/etcd3-gateway.js";
import { formatInitialCluster, type EtcdGateway } from "../../../src/gateways/etcd/etcd-gateway.js";
import { startEtcdCluster, type EtcdTestCluster } from "../../support/etcd-cluster.js";
import { retryWhile } from "../../support/etcd-retry.js";
import { enableEtcdAuth } from "../../support/etcd-auth.js";

let snapshotDir: string;

beforeAll(async () => {
  snapshotDir = await mkdtemp(join(tmpdir(), "etcd-secure-snapshots-"));
});

afterAll(async () => {
  if (snapshotDir) await rm(snapshotDir, { recursive: true, force: true });
});

describe("etcd gateway over TLS with client certificates", () => {
  let cluster: EtcdTestCluster;
  let gateway: EtcdGateway;

  beforeAll(async () => {
    cluster = await startEtcdCluster({ members: 1, tls: true });
    gateway = createEtcdGateway({ clientURLs: cluster.clientURLs, tls: cluster.tls! });
  }, 30_000);

  afterAll(async () => {
    await gateway?.close();
    await cluster?.stop();
  });

  it("reads the member list, status and hash, and takes a snapshot", async () => {
    expect(cluster.clientURLs[0]).toMatch(/^https:\/\//);
    const list = await gateway.memberList();
    expect(list.members).toHaveLength(1);
    const status = await gateway.status(cluster.clientURLs[0]!);
    expect(status.memberId).toBe(list.members[0]?.id);
    expect((await gateway.hashKV(cluster.clientURLs[0]!)).hash).toBeGreaterThan(0);
    const file = join(snapshotDir, "tls.db");
    const { bytes } = await gateway.snapshot(cluster.clientURLs[0]!, file);
    expect((await stat(file)).size).toBe(bytes);
  });

  it("is refused without the client certificate", async () => {
    const anonymous = createEtcdGateway({ clientURLs: cluster.clientURLs, tls: { ca: cluster.tls!.ca } });
    try {
      await expect(anonymous.status(cluster.clientURLs[0]!)).rejects.toBeInstanceOf(EtcdUnavailableError);
    } finally {
      await anonymous.close();
    }
  });
});

/**
 * Starts a cluster of `members` with etcd authentication on (user `root`) and a gateway that logs in as
 * `root`, both stopped after the suite; `use` gets them once started.
 */
function useAuthenticatedCluster(
  members: number,
  use: (started: { cluster: EtcdTestCluster; gateway: EtcdGateway }) => void,
): void {
  const password = "gateway-test-password";
  let started: { cluster: EtcdTestCluster; gateway?: EtcdGateway } | undefined;
  beforeAll(async () => {
    const cluster = await startEtcdCluster({ members });
    started = { cluster };
    await enableEtcdAuth({ hosts: cluster.clientURLs }, password);
    const gateway = createEtcdGateway({ clientURLs: cluster.clientURLs, auth: { username: "root", password } });
    started.gateway = gateway;
    use({ cluster, gateway });
  }, 30_000);
  afterAll(async () => {
    await started?.gateway?.close();
    await started?.cluster.stop();
  });
}

describe("etcd gateway with password authentication", () => {
  let cluster: EtcdTestCluster;
  let gateway: EtcdGateway;
  useAuthenticatedCluster(1, (started) => ({ cluster, gateway } = started));

  it("authenticates every call, snapshot and hash included", async () => {
    const url = cluster.clientURLs[0]!;
    expect((await gateway.memberList()).members).toHaveLength(1);
    expect((await gateway.status(url)).leader).not.toBe("0");
    expect((await gateway.hashKV(url)).hash).toBeGreaterThan(0);
    const { bytes } = await gateway.snapshot(url, join(snapshotDir, "auth.db"));
    expect(bytes).toBeGreaterThan(0);
  });

  it("is refused a snapshot without credentials, leaving no file behind", async () => {
    const anonymous = createEtcdGateway({ clientURLs: cluster.clientURLs });
    const file = join(snapshotDir, "anonymous.db");
    try {
      await expect(anonymous.snapshot(cluster.clientURLs[0]!, file)).rejects.toThrow(/user name is empty/);
      await expect(stat(`${file}.partial`)).rejects.toThrow("ENOENT");
      await expect(stat(file)).rejects.toThrow("ENOENT");
    } finally {
      await anonymous.close();
    }
  });
});

describe("etcd gateway with password authentication and a learner", () => {
  let cluster: EtcdTestCluster;
  let gateway: EtcdGateway;
  // Five members: with three, the two voters left must both answer every commit, and a busy host stalls them.
  useAuthenticatedCluster(5, (started) => ({ cluster, gateway } = started));

  it("sees a learner answer and promotes it through a follower, with auth on", async () => {
    const last = cluster.members[4]!;
    // The first member is the one asked first; make it a follower. A promotion that reaches a follower is
    // forwarded to the leader without credentials, which etcd 3.4 refuses with auth on until the deadline.
    const first = cluster.clientURLs[0]!;
    const before = await gateway.status(first);
    if (before.leader === before.memberId) {
      await cluster.stopMember(1);
      await cluster.startMember(1);
    }
    const old = (await gateway.memberList()).members.find((m) => m.peerURLs.includes(last.peerURL))!;
    await cluster.stopMember(5);
    // etcd refuses membership changes until the voting members have been connected for a few seconds, and a
    // busy host sees elections: such refusals pass and are retried. A retried change whose first answer was
    // lost may have gone through; each step looks first.
    const passing = (error: unknown) =>
      /unhealthy cluster|leader changed|request timed out|did not answer/i.test(String(error));
    await retryWhile(
      async () => {
        const listed = (await gateway.memberList()).members;
        if (listed.some((m) => m.id === old.id)) await gateway.removeMember(old.id);
      },
      passing,
      "etcd to accept the member removal",
      20_000,
    );
    const { member, members } = await retryWhile(
      async () => {
        const listed = (await gateway.memberList()).members;
        const learner = listed.find((m) => m.peerURLs.includes(last.peerURL));
        return learner ? { member: learner, members: listed } : gateway.addMember(last.peerURL, { learner: true });
      },
      passing,
      "etcd to accept the learner",
      20_000,
    );
    await cluster.wipeAndRestartMember(5, {
      initialCluster: formatInitialCluster(members, { id: member.id, name: last.name }),
      state: "existing",
    });

    const status = await gateway.status(last.clientURL, 5_000);
    expect(status).toMatchObject({ memberId: member.id, isLearner: true });
    expect(status.leader).not.toBe("0");

    // A learner that has not caught up yet is "not in sync".
    const notInSync = (error: unknown) => passing(error) || /not in sync/i.test(String(error));
    await retryWhile(
      async () => {
        const listed = (await gateway.memberList()).members;
        if (listed.find((m) => m.id === member.id)?.isLearner) await gateway.promoteMember(member.id);
      },
      notInSync,
      "the learner to be promoted",
      30_000,
    );
    const after = await gateway.memberList();
    expect(after.members.filter((m) => m.isLearner)).toEqual([]);
    expect((await gateway.hashKV(last.clientURL)).hash).toBeGreaterThan(0);
  });
});
