import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A listening HTTP server. */
export interface HttpListener {
  /** The port it listens on (the one picked when asked for 0). */
  readonly port: number;
  /** The address it listens on. */
  readonly host: string;
  /**
   * Stops accepting connections, closes idle keep-alive connections at once and waits for requests in
   * flight; connections still open after `graceMs` (default 5000) are cut.
   */
  close(graceMs?: number): Promise<void>;
}

/** Serves `app` on `host:port`; rejects (for example with EADDRINUSE) when the port cannot be bound. */
export async function listen(app: RequestListener, host: string, port: number): Promise<HttpListener> {
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once("error", onError);
    server.listen({ host, port }, () => {
      server.off("error", onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    port: address.port,
    host,
    close: (graceMs = 5000) => (closing ??= closeServer(server, graceMs)),
  };
}

function closeServer(server: Server, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    // Alertmanager keeps connections alive between notifications; idle ones would hold the close forever.
    const cut = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
}
