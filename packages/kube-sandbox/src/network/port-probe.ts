import { createServer } from "node:net";

/**
 * Tries to listen on `host:port` and closes the socket again.
 * Resolves to undefined when that worked, else to the error code (`EADDRINUSE`, `EADDRNOTAVAIL`, ...).
 */
export function probePort(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}
