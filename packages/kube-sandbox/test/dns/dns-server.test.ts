import { Resolver } from "node:dns/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ObjectStore } from "../../src/api/object-store.js";
import { podResolvConf, startDnsServer, type DnsServer } from "../../src/dns/dns-server.js";
import { capturingLogger } from "../support.js";

/** A real resolver (c-ares, as Node ships it) that asks only the sandbox's DNS server. */
function resolverFor(server: DnsServer): Resolver {
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([`${server.host}:${server.port}`]);
  return resolver;
}

describe("the cluster DNS server", () => {
  const store = new ObjectStore();
  let server: DnsServer;

  beforeAll(async () => {
    store.create("namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "default" } });
    store.create("services", {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "example3", namespace: "default" },
      spec: { clusterIP: "10.96.0.13", ports: [{ name: "peer", port: 2380 }] },
    });
    // Enough ready Pods behind one headless Service that the answer does not fit a 512-byte UDP reply.
    store.create("services", {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "many", namespace: "default" },
      spec: { clusterIP: "None", selector: { app: "many" } },
    });
    for (let i = 0; i < 40; i++) {
      store.create("pods", {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: `many-${i}`, namespace: "default", labels: { app: "many" } },
        status: { podIP: `10.244.1.${i + 1}`, conditions: [{ type: "Ready", status: "True" }] },
      });
    }
    server = await startDnsServer({ store, host: "127.0.0.1", port: 0, logger: capturingLogger().logger });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it("answers A and SRV queries over UDP", async () => {
    const resolver = resolverFor(server);
    expect(await resolver.resolve4("example3.default.svc.cluster.local")).toEqual(["10.96.0.13"]);
    expect(await resolver.resolveSrv("_peer._tcp.example3.default.svc.cluster.local")).toMatchObject([
      { name: "example3.default.svc.cluster.local", port: 2380, priority: 0, weight: 100 },
    ]);
  });

  it("answers over TCP when the UDP answer is too long, as resolvers retry it", async () => {
    const ips = await resolverFor(server).resolve4("many.default.svc.cluster.local");
    expect(ips).toHaveLength(40);
  });

  it("says a missing name does not exist, and refuses names outside the cluster", async () => {
    const resolver = resolverFor(server);
    await expect(resolver.resolve4("missing.default.svc.cluster.local")).rejects.toMatchObject({ code: "ENOTFOUND" });
    await expect(resolver.resolve4("example.org")).rejects.toMatchObject({ code: "EREFUSED" });
  });

  it("answers garbage with FORMERR or not at all, and keeps serving", async () => {
    const { createSocket } = await import("node:dgram");
    const socket = createSocket("udp4");
    const reply = new Promise<Buffer>((resolve) => socket.once("message", resolve));
    socket.send(Buffer.from([0x12, 0x34, 0xff, 0xff, 0x00]), server.port, server.host);
    const answer = await reply;
    socket.close();
    expect(answer.readUInt16BE(0)).toBe(0x1234);
    expect(answer.readUInt16BE(2) & 0x000f).toBe(1);
    expect(await resolverFor(server).resolve4("example3.default.svc.cluster.local")).toEqual(["10.96.0.13"]);
  });

  it("writes a Pod's resolv.conf with the search path that makes short names work", () => {
    expect(podResolvConf("default", "10.96.0.10").split("\n")).toEqual([
      "search default.svc.cluster.local svc.cluster.local cluster.local",
      "nameserver 10.96.0.10",
      "options ndots:5",
      "",
    ]);
  });
});
