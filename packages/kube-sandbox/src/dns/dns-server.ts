import { createSocket, type Socket } from "node:dgram";
import { createServer, type Socket as TcpSocket } from "node:net";
import { once } from "node:events";
import * as dnsPacket from "dns-packet";
import type { Packet } from "dns-packet";
import type { ObjectStore } from "../api/object-store.js";
import type { Logger } from "../logger.js";
import { answerFromCluster, type ZoneOptions } from "./cluster-records.js";

/** Where the cluster DNS listens, and what it serves. */
export interface DnsServerOptions extends ZoneOptions {
  /** The objects whose names it answers for. */
  store: ObjectStore;
  /** The address to listen on, UDP and TCP. */
  host: string;
  /** The port; default 53. 0 picks a free one (the same for UDP and TCP). */
  port?: number;
  logger: Logger;
}

/** A running cluster DNS server. */
export interface DnsServer {
  host: string;
  port: number;
  /** Stops answering and closes both sockets; safe to call twice. */
  stop(): Promise<void>;
}

/** What a UDP answer may carry without EDNS; a longer one is cut and flagged so the resolver asks over TCP. */
const UDP_LIMIT = 512;
/** Flag bits of a DNS header. */
const FLAG_QR = 0x8000;
const FLAG_AA = 0x0400;
const FLAG_TC = 0x0200;
const FLAG_RD = 0x0100;

const RCODES = { NOERROR: 0, FORMERR: 1, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

/**
 * Starts the cluster DNS on `host`: it answers names of the cluster's zone from the store and refuses
 * every other name. It is authoritative only and never asks any other server.
 */
export async function startDnsServer(options: DnsServerOptions): Promise<DnsServer> {
  const { logger } = options;
  const answer = (query: Buffer, limit: number): Buffer | undefined => {
    try {
      return encodeResponse(options, dnsPacket.decode(query), limit);
    } catch (error) {
      logger.debug({ err: error }, "dns query not readable, answering FORMERR");
      return query.length >= 2 ? formatError(query.readUInt16BE(0)) : undefined;
    }
  };

  const tcp = createServer((socket) => serveTcp(socket, answer));
  tcp.on("error", (error) => logger.warn({ err: error }, "dns tcp server error"));
  tcp.listen(options.port ?? 53, options.host);
  await once(tcp, "listening");
  const port = (tcp.address() as { port: number }).port;

  const udp: Socket = createSocket(options.host.includes(":") ? "udp6" : "udp4");
  udp.on("message", (message, peer) => {
    const reply = answer(message, UDP_LIMIT);
    if (reply) udp.send(reply, peer.port, peer.address);
  });
  udp.on("error", (error) => logger.warn({ err: error }, "dns udp socket error"));
  try {
    udp.bind(port, options.host);
    await once(udp, "listening");
  } catch (error) {
    tcp.close();
    throw error;
  }
  logger.info({ host: options.host, port }, "cluster dns listening");

  let stopped: Promise<void> | undefined;
  return {
    host: options.host,
    port,
    stop() {
      stopped ??= Promise.all([
        new Promise<void>((resolve) => udp.close(() => resolve())),
        new Promise<void>((resolve) => tcp.close(() => resolve())),
      ]).then(() => undefined);
      return stopped;
    },
  };
}

/** The response to `query`, cut to `limit` bytes (with the TC flag) when it is longer. */
function encodeResponse(options: DnsServerOptions, query: Packet, limit: number): Buffer {
  const questions = query.questions ?? [];
  const recursionDesired = ((query.flags ?? 0) & FLAG_RD) !== 0;
  const base = {
    type: "response" as const,
    id: query.id ?? 0,
    questions,
  };
  const header = (rcode: number, extra = 0) => FLAG_QR | FLAG_AA | (recursionDesired ? FLAG_RD : 0) | rcode | extra;
  if (query.type !== "query" || questions.length !== 1 || ((query.flags ?? 0) & 0x7800) !== 0) {
    return dnsPacket.encode({ ...base, flags: header(RCODES.NOTIMP) });
  }
  const result = answerFromCluster(options.store, questions[0]!, options);
  const flags = header(RCODES[result.rcode]);
  const full = dnsPacket.encode({ ...base, flags, answers: result.answers, authorities: result.authority });
  if (full.length <= limit) return full;
  return dnsPacket.encode({ ...base, flags: flags | FLAG_TC });
}

/** A FORMERR answer for a query whose id is all that could be read. */
function formatError(id: number): Buffer {
  return dnsPacket.encode({ type: "response", id, flags: FLAG_QR | RCODES.FORMERR, questions: [] });
}

/** Answers length-prefixed queries on one TCP connection until the client closes it. */
function serveTcp(socket: TcpSocket, answer: (query: Buffer, limit: number) => Buffer | undefined): void {
  let pending = Buffer.alloc(0);
  socket.setTimeout(10_000, () => socket.destroy());
  socket.on("error", () => socket.destroy());
  socket.on("data", (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 2) {
      const length = pending.readUInt16BE(0);
      if (pending.length < 2 + length) break;
      const reply = answer(pending.subarray(2, 2 + length), 65_535);
      pending = pending.subarray(2 + length);
      if (!reply) {
        socket.destroy();
        return;
      }
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16BE(reply.length);
      socket.write(Buffer.concat([prefix, reply]));
    }
  });
}

/** The `/etc/resolv.conf` of a Pod in `namespace`, as the kubelet writes it for `dnsPolicy: ClusterFirst`. */
export function podResolvConf(namespace: string, nameserver: string, zone = "cluster.local"): string {
  return [
    `search ${namespace}.svc.${zone} svc.${zone} ${zone}`,
    `nameserver ${nameserver}`,
    "options ndots:5",
    "",
  ].join("\n");
}
