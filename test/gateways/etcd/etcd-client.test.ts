import { readdir, readFile, readlink } from "node:fs/promises";
import { setTimeout as delay } from "node:timers/promises";
import type { IOptions } from "etcd3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEtcdClient } from "../../../src/gateways/etcd/etcd-client.js";
import { CHANNEL_OPTIONS } from "../../../src/gateways/etcd/etcd3-gateway.js";
import { enableEtcdAuth } from "../../support/etcd-auth.js";
import { startEtcdCluster, type EtcdTestCluster } from "../../support/etcd-cluster.js";
import { waitUntil } from "../../support/etcd-retry.js";

const password = "client-test-password";

describe("an etcd client that logs in", () => {
  let cluster: EtcdTestCluster;

  beforeAll(async () => {
    cluster = await startEtcdCluster({ members: 3 });
    await enableEtcdAuth({ hosts: cluster.clientURLs }, password);
    const writer = createEtcdClient({ hosts: cluster.clientURLs, auth: { username: "root", password } });
    try {
      await writer.put("written-before").value("v");
    } finally {
      writer.close();
    }
  }, 30_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it("logs in to a member that is back, although an earlier login tried it while it was down", async () => {
    const member = cluster.members[2]!;
    const options: IOptions = {
      hosts: [member.clientURL],
      auth: { username: "root", password },
      grpcOptions: { ...CHANNEL_OPTIONS },
    };
    await cluster.stopMember(member.index);
    const earlier = createEtcdClient(options);
    try {
      // The fault: the member stays down for 6 s while a client keeps trying to log in to it, long enough for
      // gRPC's default reconnect back-off (1 s, growing 1.6 times per attempt) to pass 4 s.
      const downUntil = Date.now() + 6_000;
      while (Date.now() < downUntil) {
        await expect(earlier.get("written-before").string()).rejects.toThrow();
        await delay(250);
      }
      await cluster.startMember(member.index);
      const later = createEtcdClient(options);
      try {
        expect(await later.get("written-before").string()).toBe("v");
      } finally {
        later.close();
      }
    } finally {
      earlier.close();
    }
  }, 40_000);

  it("leaves no connection open once closed, the ones its logins used included", async () => {
    const member = cluster.members[0]!;
    const before = await connectionsTo(member.clientURL);
    const client = createEtcdClient({ hosts: [member.clientURL], auth: { username: "root", password } });
    expect(await client.get("written-before").string()).toBe("v");
    expect(await connectionsTo(member.clientURL)).toBeGreaterThan(before);
    client.close();
    await waitUntil(
      async () => (await connectionsTo(member.clientURL)) === before,
      `this process's connections to ${member.clientURL} to fall back to ${before}`,
      5_000,
    );
  });
});

/** How many TCP connections of this process are established to `url`'s address and port (from /proc). */
async function connectionsTo(url: string): Promise<number> {
  const { hostname, port } = new URL(url);
  const remote = `${hostname
    .split(".")
    .reverse()
    .map((octet) => Number(octet).toString(16).padStart(2, "0"))
    .join("")}:${Number(port).toString(16).padStart(4, "0")}`.toUpperCase();
  const sockets = new Set<string>();
  for (const fd of await readdir("/proc/self/fd")) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => "");
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode) sockets.add(inode);
  }
  const table = await readFile("/proc/self/net/tcp", "utf8");
  return table
    .split("\n")
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[2] === remote && f[3] === "01" && sockets.has(f[9]!)).length;
}
