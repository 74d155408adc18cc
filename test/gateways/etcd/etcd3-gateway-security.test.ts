import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Etcd3 } from "etcd3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EtcdUnavailableError } from "../../../src/core/errors.js";
import { createEtcdGateway } from "../../../src/gateways/etcd/etcd3-gateway.js";
import type { EtcdGateway } from "../../../src/gateways/etcd/etcd-gateway.js";
import { startEtcdCluster, type EtcdTestCluster } from "../../support/etcd-cluster.js";

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

describe("etcd gateway with password authentication", () => {
  const PASSWORD = "gateway-test-password";
  let cluster: EtcdTestCluster;
  let gateway: EtcdGateway;

  beforeAll(async () => {
    cluster = await startEtcdCluster({ members: 1 });
    const admin = new Etcd3({ hosts: cluster.clientURLs });
    try {
      await admin.role("root").create();
      await (await admin.user("root").create(PASSWORD)).addRole("root");
      await admin.auth.authEnable();
    } finally {
      admin.close();
    }
    gateway = createEtcdGateway({ clientURLs: cluster.clientURLs, auth: { username: "root", password: PASSWORD } });
  }, 30_000);

  afterAll(async () => {
    await gateway?.close();
    await cluster?.stop();
  });

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
