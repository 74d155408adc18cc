import { connect, createServer, type Server, type Socket } from "node:net";
import { errorInfo, type ForwarderEvent } from "./forwarding-messages.js";
import type { Backend } from "./service-endpoints.js";

/** Milliseconds a connection to a backend may take before the next backend is tried. */
const CONNECT_TIMEOUT_MS = 5_000;

/** What a `TcpForwarder` listens on and forwards to. */
export interface TcpForwarderOptions {
  /** Local address to listen on (a Service's cluster IP). */
  readonly host: string;
  /** Port to listen on (the Service port). */
  readonly port: number;
  /** Where connections go, taken in turn; replaced with `setBackends`. */
  readonly backends: readonly Backend[];
  /** Receives every failed backend connection and every error of the listener after it started. */
  readonly report: (event: ForwarderEvent) => void;
}

/**
 * One Service port's listener: every accepted connection is joined to a backend, picked round robin, and
 * bytes are copied both ways, half-closes included. When the picked backend refuses or does not answer, the
 * next one is tried once; when that fails too the client's connection is reset.
 */
export class TcpForwarder {
  private backends: readonly Backend[];
  private nextIndex = 0;
  private readonly connections = new Set<Socket>();
  private closed: Promise<void> | undefined;
  private whenNoConnections: (() => void) | undefined;

  private constructor(
    private readonly server: Server,
    private readonly options: TcpForwarderOptions,
  ) {
    this.backends = options.backends;
    server.on("connection", (client) => this.forward(client));
  }

  /** Starts listening; rejects with the listen error (e.g. `EADDRINUSE`, `EADDRNOTAVAIL`). */
  static listen(options: TcpForwarderOptions): Promise<TcpForwarder> {
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
    const forwarder = new TcpForwarder(server, options);
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: options.host, port: options.port }, () => {
        server.off("error", reject);
        server.on("error", (err) =>
          options.report({ kind: "listener-failed", ...forwarder.where(), error: errorInfo(err) }),
        );
        resolve(forwarder);
      });
    });
  }

  /** Replaces the backends new connections go to; open connections keep theirs. */
  setBackends(backends: readonly Backend[]): void {
    this.backends = backends;
  }

  /**
   * Stops accepting connections, so new ones are refused. Open connections keep going unless
   * `resetConnections`, which resets them (both ends). Resolves once the last connection is gone; may be
   * called again, e.g. to reset what still runs.
   */
  close(resetConnections: boolean): Promise<void> {
    if (this.server.listening) this.server.close();
    if (resetConnections) for (const socket of this.connections) reset(socket);
    this.closed ??= new Promise((resolve) => {
      this.whenNoConnections = resolve;
      this.noticeNoConnections();
    });
    return this.closed;
  }

  private where(): { host: string; port: number } {
    return { host: this.options.host, port: this.options.port };
  }

  private pick(): Backend | undefined {
    if (this.backends.length === 0) return undefined;
    const backend = this.backends[this.nextIndex % this.backends.length];
    this.nextIndex = (this.nextIndex + 1) % this.backends.length;
    return backend;
  }

  private forward(client: Socket): void {
    this.track(client);
    client.on("error", () => reset(client));
    this.connectBackend(client, 1);
  }

  private connectBackend(client: Socket, retriesLeft: number): void {
    const backend = this.pick();
    if (!backend || client.destroyed) {
      reset(client);
      return;
    }
    const upstream = connect({ host: backend.ip, port: backend.port, allowHalfOpen: true });
    this.track(upstream);
    const abandon = (): void => reset(upstream);
    client.once("close", abandon);
    upstream.setTimeout(CONNECT_TIMEOUT_MS, () => upstream.destroy(new Error("connect timed out")));
    upstream.once("error", (err) => {
      client.off("close", abandon);
      this.options.report({ kind: "backend-failed", ...this.where(), backend, error: errorInfo(err) });
      if (retriesLeft > 0) this.connectBackend(client, retriesLeft - 1);
      else reset(client);
    });
    upstream.once("connect", () => {
      upstream.setTimeout(0);
      upstream.removeAllListeners("error");
      client.off("close", abandon);
      join(client, upstream);
    });
  }

  private track(socket: Socket): void {
    this.connections.add(socket);
    socket.once("close", () => {
      this.connections.delete(socket);
      this.noticeNoConnections();
    });
  }

  private noticeNoConnections(): void {
    if (this.connections.size === 0) this.whenNoConnections?.();
  }
}

/** Copies bytes both ways, passing each end-of-stream on; an error or abrupt close on one side resets the other. */
function join(client: Socket, upstream: Socket): void {
  for (const [from, to] of [
    [client, upstream],
    [upstream, client],
  ] as const) {
    from.pipe(to);
    from.on("error", () => reset(to));
    from.once("close", (hadError) => {
      if (hadError) reset(to);
    });
  }
  client.resume();
}

/** Ends a socket with a TCP reset, so its peer sees the connection fail rather than end. */
function reset(socket: Socket): void {
  if (socket.destroyed) return;
  if (socket.connecting || socket.readyState === "closed") socket.destroy();
  else socket.resetAndDestroy();
}
