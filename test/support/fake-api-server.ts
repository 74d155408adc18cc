import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type Server } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { IncomingMessage, ServerResponse } from "node:http";
import { KubeConfig } from "@kubernetes/client-node";
import { CertificateAuthority } from "kube-sandbox";

/** Which requests the server leaves unanswered, and how it drops their connection. */
export interface DropPolicy {
  /**
   * `reused`: requests that arrive on a connection that has already answered one, as when a server closes an
   * idle kept-alive connection just as the client reuses it; `all`: every request.
   */
  requests: "reused" | "all";
  /** `close` ends the connection with a FIN (undici: "other side closed"), `reset` with a TCP RST (ECONNRESET). */
  how: "close" | "reset";
}

/** One request the server received. */
export interface ReceivedRequest {
  method: string;
  path: string;
  /** Number of the TLS connection it came on, from 1. */
  connection: number;
  /** The Authorization header it carried. */
  authorization: string | undefined;
  /** False when the server dropped the connection instead of answering. */
  answered: boolean;
}

/** A minimal Kubernetes API over HTTPS with its own CA, which counts connections and records requests. */
export interface FakeApiServer {
  /** `https://127.0.0.1:<port>`. */
  url: string;
  /** The CA that signed the serving certificate, PEM. */
  caPem: string;
  /** A file holding `caPem`, removed by `close()`; rewriting it changes the TLS material of a KubeConfig. */
  caFile: string;
  /** TLS connections accepted so far. */
  connections(): number;
  /** Connections open right now. */
  openConnections(): number;
  /** Every request so far, in arrival order. */
  requests: ReceivedRequest[];
  /** Stops listening and drops every connection; safe to call twice. */
  close(): Promise<void>;
}

/** The serving side's view of one TLS connection. */
interface Connection {
  number: number;
  /** The TCP socket under TLS, which can be reset. */
  tcp: Socket;
  answered: number;
}

/**
 * Starts the server on a free port of 127.0.0.1. Every GET gets 200 with an object named after the last path
 * segment that also has an empty `items` (so it reads as any object or as an empty list), except a watch, which
 * gets 200 and then nothing, as when nothing changes; every other method gets 201 with the request body back.
 */
export async function startFakeApiServer(drop?: DropPolicy): Promise<FakeApiServer> {
  const ca = await CertificateAuthority.create("fake-api-ca");
  const serving = await ca.issue({ commonName: "fake-api", ips: ["127.0.0.1"], usages: ["server"] });
  const folder = await mkdtemp(join(tmpdir(), "fake-api-"));
  const caFile = join(folder, "ca.crt");
  await writeFile(caFile, ca.certPem);
  const requests: ReceivedRequest[] = [];
  const tcpSockets = new Map<string, Socket>();
  const connections = new WeakMap<object, Connection>();
  let accepted = 0;

  const server: Server = createServer({ cert: serving.cert, key: serving.key }, (request, response) => {
    const connection = connections.get(request.socket)!;
    const dropped = drop !== undefined && (drop.requests === "all" || connection.answered > 0);
    requests.push({
      method: request.method ?? "",
      path: request.url ?? "",
      connection: connection.number,
      authorization: request.headers.authorization,
      answered: !dropped,
    });
    if (dropped) {
      if (drop?.how === "reset") connection.tcp.resetAndDestroy();
      else request.socket.destroy();
      return;
    }
    connection.answered++;
    void answer(request, response);
  });
  // Idle connections stay open for a minute, as an API server keeps them; only a client ends them sooner.
  server.keepAliveTimeout = 60_000;
  server.on("connection", (tcp: Socket) => tcpSockets.set(socketKey(tcp), tcp));
  server.on("secureConnection", (tls: Socket) => {
    const tcp = tcpSockets.get(socketKey(tls))!;
    connections.set(tls, { number: ++accepted, tcp, answered: 0 });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;

  let closed: Promise<void> | undefined;
  return {
    url: `https://127.0.0.1:${port}`,
    caPem: ca.certPem,
    caFile,
    connections: () => accepted,
    openConnections: () => [...tcpSockets.values()].filter((tcp) => !tcp.destroyed).length,
    requests,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const tcp of tcpSockets.values()) tcp.destroy();
      }).then(() => rm(folder, { recursive: true, force: true }));
      return closed;
    },
  };
}

/**
 * A KubeConfig for `server`: its CA file, a `proxy-url` if given, and a user whose bearer token comes from
 * `token()`, asked anew for every request as an exec plugin or a token file that rotates would be.
 */
export function fakeKubeConfig(server: FakeApiServer, token: () => string, proxyUrl?: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: "fake", server: server.url, caFile: server.caFile, proxyUrl }],
    users: [{ name: "rotating", authProvider: { name: "rotating-token", config: {} } }],
    contexts: [{ name: "fake", cluster: "fake", user: "rotating" }],
    currentContext: "fake",
  });
  kubeConfig.addAuthenticator({
    isAuthProvider: (user) => (user.authProvider as { name?: string } | undefined)?.name === "rotating-token",
    applyAuthentication: (_user, options) => {
      options.headers = { ...options.headers, Authorization: `Bearer ${token()}` };
      return Promise.resolve();
    },
  });
  return kubeConfig;
}

async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const url = new URL(request.url ?? "/", "https://fake");
  if (url.searchParams.get("watch") === "true") {
    response.writeHead(200, { "content-type": "application/json" });
    response.flushHeaders();
    return;
  }
  const path = url.pathname;
  const body =
    request.method === "GET"
      ? JSON.stringify({ metadata: { name: path.split("/").pop(), resourceVersion: "1" }, items: [] })
      : Buffer.concat(chunks).toString() || "{}";
  response.writeHead(request.method === "GET" ? 200 : 201, { "content-type": "application/json" });
  response.end(body);
}

/** The client's address and port, the same on the TCP socket and on the TLS socket over it. */
function socketKey(socket: Socket): string {
  return `${socket.remoteAddress}:${socket.remotePort}`;
}
