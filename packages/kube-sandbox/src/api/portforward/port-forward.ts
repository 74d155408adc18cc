import { connect, type Socket } from "node:net";
import type { Logger } from "../../logger.js";
import type { SpdyStream } from "./spdy-session.js";

/** How long the two streams of one forwarded connection may arrive apart, as the kubelet's default. */
const STREAM_CREATION_TIMEOUT_MS = 30_000;

/** Where a forwarded connection goes: the Pod's address and what to say of it in errors. */
export interface ForwardTarget {
  /** The address the Pod's servers are reached on from the sandbox's process. */
  host: string;
  pod: string;
  uid: string;
}

interface StreamPair {
  data?: SpdyStream;
  error?: SpdyStream;
  timer: NodeJS.Timeout;
}

/**
 * The kubelet's side of `pods/portforward` on one SPDY connection: each forwarded connection is a pair of streams
 * the client opens with the same `requestID` header, `streamType: error` and `streamType: data`, both with the
 * remote `port`. Once both are open, a TCP connection to that port of the Pod carries the data stream's bytes both
 * ways, half-closes passed on; when it cannot be made, the error stream gets the kubelet's message ("error
 * forwarding port P to pod NAME, uid UID: ...") and both streams end, which kubectl prints and acts on.
 */
export class PortForwardStreams {
  private readonly pairs = new Map<string, StreamPair>();
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly target: ForwardTarget,
    private readonly logger: Logger,
  ) {}

  /** A stream the client opened: an error message refuses it (the stream is reset). */
  accept(stream: SpdyStream): string | undefined {
    const portText = stream.header("port");
    if (!portText) return `"port" header is required`;
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || port > 65535) return `unable to parse "${portText}" as a port`;
    if (port < 1) return `port "${portText}" must be > 0`;
    const streamType = stream.header("streamtype");
    if (!streamType) return `"streamType" header is required`;
    if (streamType !== "error" && streamType !== "data") return `invalid stream type "${streamType}"`;
    // Clients too old to send a request id pair streams by id, as the kubelet guesses it.
    const requestId = stream.header("requestid") ?? String(streamType === "error" ? stream.id : stream.id - 2);

    let pair = this.pairs.get(requestId);
    if (!pair) {
      const timer = setTimeout(() => {
        const late = this.pairs.get(requestId);
        this.pairs.delete(requestId);
        if (late?.error) {
          late.error.write(Buffer.from(`(request=${requestId}) timed out waiting for streams`));
          late.error.end();
        }
        late?.data?.end();
      }, STREAM_CREATION_TIMEOUT_MS);
      timer.unref();
      pair = { timer };
      this.pairs.set(requestId, pair);
    }
    if (pair[streamType]) {
      const message = `error processing stream for request ${requestId}: ${streamType} stream already assigned`;
      pair.error?.write(Buffer.from(message));
      return undefined;
    }
    pair[streamType] = stream;
    if (streamType === "data") holdUntilForwarded(stream);
    if (pair.data && pair.error) {
      clearTimeout(pair.timer);
      this.pairs.delete(requestId);
      const { data, error } = pair;
      // Set up after the SYN_REPLY has gone out, which the session sends once this returns.
      setImmediate(() => this.forward(port, data, error));
    }
    return undefined;
  }

  /** Ends every forwarded connection (the client's connection is gone). */
  close(): void {
    for (const pair of this.pairs.values()) clearTimeout(pair.timer);
    this.pairs.clear();
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  private forward(port: number, data: SpdyStream, error: SpdyStream): void {
    const { host, pod, uid } = this.target;
    const socket = connect({ host, port });
    this.sockets.add(socket);
    let connected = false;
    const held = (data as HeldStream).held ?? { chunks: [], ended: false };
    const pending = held.chunks;
    let clientEnded = held.ended;
    // Bytes the client sends before the connection is up wait for it.
    data.onData = (chunk) => {
      if (connected) socket.write(chunk);
      else pending.push(chunk);
    };
    data.onEnd = () => {
      clientEnded = true;
      if (connected) socket.end();
    };
    error.onEnd = () => undefined;
    socket.on("connect", () => {
      connected = true;
      for (const chunk of pending.splice(0)) socket.write(chunk);
      if (clientEnded) socket.end();
    });
    socket.on("data", (chunk: Buffer) => data.write(chunk));
    socket.on("end", () => data.end());
    socket.on("error", (err: NodeJS.ErrnoException) => {
      if (!connected) {
        const message =
          `error forwarding port ${port} to pod ${pod}, uid ${uid}: ` +
          `failed to connect to ${host}:${port}: dial tcp4 ${host}:${port}: connect: ${errnoText(err)}`;
        this.logger.debug({ pod, port, err }, "port-forward connection failed");
        error.write(Buffer.from(message));
      } else {
        this.logger.debug({ pod, port, err }, "port-forward connection error");
      }
    });
    socket.on("close", () => {
      this.sockets.delete(socket);
      data.end();
      error.end();
    });
  }
}

/** Data the client sent on a data stream before its connection was made. */
type HeldStream = SpdyStream & { held?: { chunks: Buffer[]; ended: boolean } };

/** Keeps what arrives on a data stream until `forward` takes it over. */
function holdUntilForwarded(stream: HeldStream): void {
  const held = { chunks: [] as Buffer[], ended: false };
  stream.held = held;
  stream.onData = (chunk) => held.chunks.push(chunk);
  stream.onEnd = () => {
    held.ended = true;
  };
}

/** A socket error as Go's net package words it: `connection refused`, `connection reset by peer`. */
function errnoText(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ECONNRESET":
      return "connection reset by peer";
    case "EHOSTUNREACH":
      return "no route to host";
    case "ENETUNREACH":
      return "network is unreachable";
    case "ETIMEDOUT":
      return "connection timed out";
    default:
      return err.message;
  }
}
