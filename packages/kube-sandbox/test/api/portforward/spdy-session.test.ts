import { createServer, type Server } from "node:net";
import { constants as zlibConstants, createDeflate, createInflate } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PortForwardStreams } from "../../../src/api/portforward/port-forward.js";
import { SPDY_HEADER_DICTIONARY } from "../../../src/api/portforward/spdy-dictionary.js";
import {
  adler32,
  controlFrame,
  dataFrame,
  decodeHeaderBlock,
  encodeHeaderBlock,
  FLAG_FIN,
  FRAME,
  FrameReader,
  HeaderCompressor,
  HeaderDecompressor,
  type RawFrame,
  type SpdyHeaders,
} from "../../../src/api/portforward/spdy-frames.js";
import { SpdySession } from "../../../src/api/portforward/spdy-session.js";
import { silentLogger } from "../../../src/logger.js";

/** Compresses header blocks as Go's SPDY framer does: one zlib stream, a sync flush after each block. */
function goStyleCompressor() {
  const deflate = createDeflate({ dictionary: SPDY_HEADER_DICTIONARY, level: 9 });
  return (block: Buffer) =>
    new Promise<Buffer>((resolve) => {
      deflate.write(block);
      deflate.flush(zlibConstants.Z_SYNC_FLUSH, () => {
        const chunks: Buffer[] = [];
        for (let c: unknown = deflate.read(); c !== null; c = deflate.read()) chunks.push(c as Buffer);
        resolve(Buffer.concat(chunks));
      });
    });
}

describe("SPDY/3 frames", () => {
  it("has the 1423-byte dictionary zlib names by its Adler-32", () => {
    expect(SPDY_HEADER_DICTIONARY.length).toBe(1423);
    expect(adler32(Buffer.from("Wikipedia"))).toBe(0x11e60398);
  });

  it("inflates header blocks compressed as Go compresses them, block after block", async () => {
    const compress = goStyleCompressor();
    const decompressor = new HeaderDecompressor();
    for (const headers of [
      { streamtype: ["error"], port: ["80"] },
      { streamtype: ["data"], port: ["80"] },
    ]) {
      const block = await compress(encodeHeaderBlock(headers));
      expect(decodeHeaderBlock(await decompressor.decompress(block))).toEqual(headers);
    }
    decompressor.close();
  });

  it("writes header blocks any zlib inflater with the dictionary reads, block after block", async () => {
    const compressor = new HeaderCompressor();
    const inflate = createInflate({ dictionary: SPDY_HEADER_DICTIONARY });
    for (const headers of [{}, { a: ["b", "c"] }] as SpdyHeaders[]) {
      const out = await new Promise<Buffer>((resolve) => {
        inflate.write(compressor.compress(encodeHeaderBlock(headers)));
        inflate.flush(zlibConstants.Z_SYNC_FLUSH, () => resolve((inflate.read() as Buffer | null) ?? Buffer.alloc(0)));
      });
      expect(decodeHeaderBlock(out)).toEqual(headers);
    }
  });

  it("splits a byte stream into frames however it is chunked", () => {
    const bytes = Buffer.concat([
      dataFrame(1, FLAG_FIN, Buffer.from("hello")),
      controlFrame(FRAME.ping, 0, Buffer.alloc(4, 1)),
    ]);
    const reader = new FrameReader();
    const frames: RawFrame[] = [];
    for (const byte of bytes) frames.push(...reader.push(Buffer.from([byte])));
    expect(frames).toEqual([
      { control: false, streamId: 1, flags: FLAG_FIN, data: Buffer.from("hello") },
      { control: true, type: FRAME.ping, flags: 0, payload: Buffer.alloc(4, 1) },
    ]);
  });
});

describe("port forwarding over a SPDY session", () => {
  let echo: Server;
  let echoPort: number;
  let closedPort: number;

  beforeAll(async () => {
    echo = createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
    echoPort = (echo.address() as { port: number }).port;
    const spare = createServer();
    await new Promise<void>((resolve) => spare.listen(0, "127.0.0.1", resolve));
    closedPort = (spare.address() as { port: number }).port;
    await new Promise<void>((resolve) => spare.close(() => resolve()));
  });

  afterAll(() => echo.close());

  /** A client as kubectl's: opens streams with compressed headers and collects what the server sends. */
  function client() {
    const compress = goStyleCompressor();
    const sent: RawFrame[] = [];
    const reader = new FrameReader();
    const streams = new PortForwardStreams({ host: "127.0.0.1", pod: "p", uid: "u" }, silentLogger);
    const session = new SpdySession({
      send: (frame) => sent.push(...reader.push(frame)),
      close: () => undefined,
      onStream: (stream) => streams.accept(stream),
      onError: (error) => {
        throw error;
      },
    });
    return {
      sent,
      session,
      async open(id: number, headers: Record<string, string[]>) {
        const head = Buffer.alloc(10);
        head.writeUInt32BE(id, 0);
        session.receive(
          controlFrame(FRAME.synStream, 0, Buffer.concat([head, await compress(encodeHeaderBlock(headers))])),
        );
      },
      data: (id: number, text: string, flags = 0) => session.receive(dataFrame(id, flags, Buffer.from(text))),
      textOn: (id: number) =>
        Buffer.concat(
          sent.filter((f) => !f.control && f.streamId === id).map((f) => (f as { data: Buffer }).data),
        ).toString(),
      finished: (id: number) => sent.some((f) => !f.control && f.streamId === id && f.flags & FLAG_FIN),
      close: () => {
        session.connectionClosed();
        streams.close();
      },
    };
  }

  const until = async (what: () => boolean) => {
    for (let i = 0; i < 200 && !what(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(what()).toBe(true);
  };

  it("answers each stream, carries a connection's bytes both ways and passes half-closes on", async () => {
    const c = client();
    await c.open(1, { streamtype: ["error"], port: [String(echoPort)], requestid: ["0"] });
    await c.open(3, { streamtype: ["data"], port: [String(echoPort)], requestid: ["0"] });
    await until(() => c.sent.filter((f) => f.control && f.type === FRAME.synReply).length === 2);
    c.data(3, "ping through the pod", FLAG_FIN);
    await until(() => c.finished(3));
    expect(c.textOn(3)).toBe("ping through the pod");
    await until(() => c.finished(1));
    expect(c.textOn(1)).toBe("");
    c.close();
  });

  it("writes the kubelet's error on the error stream for a port nothing listens on", async () => {
    const c = client();
    await c.open(1, { streamtype: ["error"], port: [String(closedPort)], requestid: ["0"] });
    await c.open(3, { streamtype: ["data"], port: [String(closedPort)], requestid: ["0"] });
    await until(() => c.finished(1));
    expect(c.textOn(1)).toBe(
      `error forwarding port ${closedPort} to pod p, uid u: failed to connect to 127.0.0.1:${closedPort}: ` +
        `dial tcp4 127.0.0.1:${closedPort}: connect: connection refused`,
    );
    c.close();
  });

  it("echoes pings and resets a stream without a port", async () => {
    const c = client();
    const ping = Buffer.alloc(4);
    ping.writeUInt32BE(1, 0);
    c.session.receive(controlFrame(FRAME.ping, 0, ping));
    await c.open(1, { streamtype: ["error"] });
    await until(() => c.sent.some((f) => f.control && f.type === FRAME.rstStream));
    expect(c.sent.some((f) => f.control && f.type === FRAME.ping && f.payload.equals(ping))).toBe(true);
    c.close();
  });
});
