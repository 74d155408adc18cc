import {
  controlFrame,
  dataFrame,
  decodeHeaderBlock,
  encodeHeaderBlock,
  FLAG_FIN,
  FRAME,
  FrameReader,
  goAwayFrame,
  HeaderCompressor,
  HeaderDecompressor,
  rstStreamFrame,
  RST,
  type RawFrame,
  type SpdyHeaders,
} from "./spdy-frames.js";

/** A stream the client opened, as the server side sees it. */
export interface SpdyStream {
  readonly id: number;
  readonly headers: SpdyHeaders;
  /** The first value of a header. */
  header(name: string): string | undefined;
  /** Sends data to the client (nothing once this end has finished or the stream is reset). */
  write(data: Buffer): void;
  /** Sends FIN: this end sends nothing more. */
  end(): void;
  /** Resets the stream (RST_STREAM). */
  reset(status?: number): void;
  /** Data from the client. */
  onData?: (data: Buffer) => void;
  /** The client sent FIN, reset the stream, or the connection ended. */
  onEnd?: () => void;
}

export interface SpdySessionOptions {
  /** Sends bytes to the client: one whole frame per call. */
  send(frame: Buffer): void;
  /** Ends the connection underneath. */
  close(): void;
  /**
   * A new stream: accepted (SYN_REPLY sent) unless this returns an error message, which resets it.
   */
  onStream(stream: SpdyStream): string | undefined;
  /** A frame that cannot be read, or a header block that cannot be inflated. */
  onError(error: Error): void;
}

interface StreamState {
  stream: SpdyStream;
  localDone: boolean;
  remoteDone: boolean;
  reset: boolean;
}

/**
 * The server end of a SPDY/3.1 connection as Kubernetes' streaming servers speak it (moby/spdystream): the
 * client opens every stream with SYN_STREAM and the server answers SYN_REPLY; DATA frames both ways with FIN
 * to half-close; PINGs from the client are echoed; GOAWAY or the end of the connection ends every stream. No
 * flow control is kept (spdystream keeps none either), SETTINGS and WINDOW_UPDATE are ignored.
 */
export class SpdySession {
  private readonly reader = new FrameReader();
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();
  private readonly streams = new Map<number, StreamState>();
  /** Frames are handled one at a time, in order: a header block inflates asynchronously. */
  private queue: Promise<void> = Promise.resolve();
  private lastStreamId = 0;
  private closed = false;

  constructor(private readonly options: SpdySessionOptions) {}

  /** Bytes from the client, in any chunking. */
  receive(chunk: Buffer): void {
    if (this.closed) return;
    let frames: RawFrame[];
    try {
      frames = this.reader.push(chunk);
    } catch (error) {
      this.fail(error as Error);
      return;
    }
    for (const frame of frames) {
      this.queue = this.queue.then(() => this.handle(frame)).catch((error: unknown) => this.fail(error as Error));
    }
  }

  /** Sends GOAWAY and ends the connection; every open stream ends. */
  close(): void {
    if (this.closed) return;
    this.send(goAwayFrame(this.lastStreamId));
    this.shutDown();
    this.options.close();
  }

  /** The connection underneath is gone: every open stream ends. */
  connectionClosed(): void {
    this.shutDown();
  }

  private shutDown(): void {
    if (this.closed) return;
    this.closed = true;
    this.decompressor.close();
    for (const state of [...this.streams.values()]) this.finishRemote(state);
    this.streams.clear();
  }

  private fail(error: Error): void {
    if (this.closed) return;
    this.options.onError(error);
    this.send(goAwayFrame(this.lastStreamId, 1));
    this.shutDown();
    this.options.close();
  }

  private send(frame: Buffer): void {
    if (!this.closed) this.options.send(frame);
  }

  private async handle(frame: RawFrame): Promise<void> {
    if (this.closed) return;
    if (!frame.control) {
      const state = this.streams.get(frame.streamId);
      if (!state) {
        this.send(rstStreamFrame(frame.streamId, RST.invalidStream));
        return;
      }
      if (frame.data.length > 0 && !state.remoteDone) state.stream.onData?.(frame.data);
      if (frame.flags & FLAG_FIN) this.finishRemote(state);
      return;
    }
    switch (frame.type) {
      case FRAME.synStream:
        return this.openStream(frame.flags, frame.payload);
      case FRAME.rstStream: {
        const state = this.streams.get(frame.payload.readUInt32BE(0) & 0x7fffffff);
        if (state) {
          state.reset = true;
          state.localDone = true;
          this.finishRemote(state);
        }
        return;
      }
      case FRAME.ping:
        // Pings from the client carry odd ids; the answer is the same frame.
        this.send(controlFrame(FRAME.ping, 0, frame.payload));
        return;
      case FRAME.goAway:
        this.shutDown();
        this.options.close();
        return;
      case FRAME.headers:
        // Headers after the stream opened mean nothing to port forwarding; they still advance the zlib stream.
        await this.decompressor.decompress(frame.payload.subarray(4));
        return;
      default:
        // SETTINGS, WINDOW_UPDATE, SYN_REPLY (never expected from a client) and unknown types are ignored.
        return;
    }
  }

  private async openStream(flags: number, payload: Buffer): Promise<void> {
    if (payload.length < 10) throw new Error("SYN_STREAM frame too short");
    const id = payload.readUInt32BE(0) & 0x7fffffff;
    const headers = decodeHeaderBlock(await this.decompressor.decompress(payload.subarray(10)));
    if (this.closed) return;
    if (id === 0 || id % 2 === 0 || id <= this.lastStreamId) {
      this.send(rstStreamFrame(id, RST.protocolError));
      return;
    }
    this.lastStreamId = id;
    const state: StreamState = {
      stream: undefined as unknown as SpdyStream,
      localDone: false,
      remoteDone: false,
      reset: false,
    };
    state.stream = {
      id,
      headers,
      header: (name) => headers[name.toLowerCase()]?.[0],
      write: (data) => {
        if (state.localDone || state.reset || data.length === 0) return;
        for (let offset = 0; offset < data.length; offset += 0xffffff) {
          this.send(dataFrame(id, 0, data.subarray(offset, offset + 0xffffff)));
        }
      },
      end: () => {
        if (state.localDone || state.reset) return;
        state.localDone = true;
        this.send(dataFrame(id, FLAG_FIN, Buffer.alloc(0)));
        this.forgetIfDone(state);
      },
      reset: (status = RST.cancel) => {
        if (state.reset) return;
        state.reset = true;
        state.localDone = true;
        this.send(rstStreamFrame(id, status));
        this.finishRemote(state);
      },
    };
    this.streams.set(id, state);
    const refusal = this.options.onStream(state.stream);
    if (refusal !== undefined) {
      state.stream.reset(RST.protocolError);
      return;
    }
    this.send(controlFrame(FRAME.synReply, 0, this.synReplyPayload(id)));
    if (flags & FLAG_FIN) this.finishRemote(state);
  }

  private synReplyPayload(id: number): Buffer {
    const streamId = Buffer.alloc(4);
    streamId.writeUInt32BE(id, 0);
    return Buffer.concat([streamId, this.compressor.compress(encodeHeaderBlock({}))]);
  }

  private finishRemote(state: StreamState): void {
    if (!state.remoteDone) {
      state.remoteDone = true;
      state.stream.onEnd?.();
    }
    this.forgetIfDone(state);
  }

  private forgetIfDone(state: StreamState): void {
    if (state.remoteDone && state.localDone) this.streams.delete(state.stream.id);
  }
}
