import type { Duplex } from "node:stream";
import type { Logger } from "../../logger.js";
import { dialPod, type ForwardTarget } from "./pod-dialer.js";
import type { SpdyStream } from "./spdy-session.js";

/** How long the two streams of one forwarded connection may arrive apart, as the kubelet's default. */
const STREAM_CREATION_TIMEOUT_MS = 30_000;

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
  private readonly sockets = new Set<Duplex>();
  /** Connections being made, to be dropped when they are made after `close`. */
  private readonly closers = new Set<() => void>();

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
    for (const closer of this.closers) closer();
    this.closers.clear();
  }

  private forward(port: number, data: SpdyStream, error: SpdyStream): void {
    const { pod, uid } = this.target;
    const held = (data as HeldStream).held ?? { chunks: [], ended: false };
    let closed = false;
    // Closed meanwhile (the client went away): nothing to connect for.
    const unwatch = () => (closed = true);
    this.closers.add(unwatch);
    dialPod(this.target, port).then(
      (socket) => {
        this.closers.delete(unwatch);
        if (closed) {
          socket.destroy();
          return;
        }
        this.sockets.add(socket);
        for (const chunk of held.chunks.splice(0)) socket.write(chunk);
        if (held.ended) socket.end();
        data.onData = (chunk) => socket.write(chunk);
        data.onEnd = () => socket.end();
        socket.on("data", (chunk: Buffer) => data.write(chunk));
        socket.on("end", () => data.end());
        socket.on("error", (err) => this.logger.debug({ pod, port, err }, "port-forward connection error"));
        socket.on("close", () => {
          this.sockets.delete(socket);
          data.end();
          error.end();
        });
      },
      (failure: unknown) => {
        this.closers.delete(unwatch);
        const why = failure instanceof Error ? failure.message : String(failure);
        this.logger.debug({ pod, port, why }, "port-forward connection failed");
        error.write(Buffer.from(`error forwarding port ${port} to pod ${pod}, uid ${uid}: ${why}`));
        error.end();
        data.end();
      },
    );
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
