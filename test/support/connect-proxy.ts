import { once } from "node:events";
import { createServer } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";

/** An HTTP proxy on 127.0.0.1 that tunnels CONNECT requests and counts the tunnels. */
export interface ConnectProxy {
  /** `http://127.0.0.1:<port>`, a kubeconfig's `proxy-url`. */
  url: string;
  /** Tunnels opened so far. */
  tunnels(): number;
  /** Stops listening and drops every tunnel; safe to call twice. */
  close(): Promise<void>;
}

/** Starts the proxy on a free port of 127.0.0.1. */
export async function startConnectProxy(): Promise<ConnectProxy> {
  const sockets = new Set<Socket>();
  let tunnels = 0;
  const server = createServer((_request, response) => response.writeHead(405).end());
  server.on("connect", (request, client: Socket, head: Buffer) => {
    tunnels++;
    const target = new URL(`http://${request.url ?? ""}`);
    const upstream = connect(Number(target.port), target.hostname, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => [client, upstream].forEach((s) => s.destroy()));
      socket.on("close", () => sockets.delete(socket));
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels: () => tunnels,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closed;
    },
  };
}
