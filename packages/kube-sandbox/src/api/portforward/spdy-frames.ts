import { createInflate, constants as zlibConstants, type Inflate } from "node:zlib";
import { SPDY_HEADER_DICTIONARY } from "./spdy-dictionary.js";

/** Control frame types of SPDY/3 that a port-forward server meets. */
export const FRAME = {
  synStream: 1,
  synReply: 2,
  rstStream: 3,
  settings: 4,
  ping: 6,
  goAway: 7,
  headers: 8,
  windowUpdate: 9,
} as const;

/** FIN on a data frame or a SYN_STREAM / SYN_REPLY: the sender sends nothing more on the stream. */
export const FLAG_FIN = 0x01;

/** RST_STREAM status codes used here. */
export const RST = { protocolError: 1, invalidStream: 2, refusedStream: 3, cancel: 5, internalError: 6 } as const;

/** One frame as read off the wire; a control frame's payload is still raw (header blocks compressed). */
export type RawFrame =
  | { control: true; type: number; flags: number; payload: Buffer }
  | { control: false; streamId: number; flags: number; data: Buffer };

/**
 * Splits a byte stream into SPDY frames (an 8-byte header, then the payload of the 24-bit length it gives):
 * bytes arrive in any chunking, and each complete frame is returned once.
 */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): RawFrame[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: RawFrame[] = [];
    while (this.pending.length >= 8) {
      const length = this.pending.readUIntBE(5, 3);
      if (this.pending.length < 8 + length) break;
      const first = this.pending.readUInt32BE(0);
      const flags = this.pending[4]!;
      const payload = this.pending.subarray(8, 8 + length);
      if (first & 0x80000000) frames.push({ control: true, type: first & 0xffff, flags, payload });
      else frames.push({ control: false, streamId: first & 0x7fffffff, flags, data: payload });
      this.pending = this.pending.subarray(8 + length);
    }
    return frames;
  }
}

/** A control frame of SPDY version 3. */
export function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE((0x8000 | 3) * 0x10000 + type, 0);
  header.writeUInt32BE(flags * 0x1000000 + payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** A data frame. */
export function dataFrame(streamId: number, flags: number, data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(streamId & 0x7fffffff, 0);
  header.writeUInt32BE(flags * 0x1000000 + data.length, 4);
  return Buffer.concat([header, data]);
}

export function rstStreamFrame(streamId: number, status: number): Buffer {
  const payload = Buffer.alloc(8);
  payload.writeUInt32BE(streamId & 0x7fffffff, 0);
  payload.writeUInt32BE(status, 4);
  return controlFrame(FRAME.rstStream, 0, payload);
}

export function goAwayFrame(lastGoodStreamId: number, status = 0): Buffer {
  const payload = Buffer.alloc(8);
  payload.writeUInt32BE(lastGoodStreamId & 0x7fffffff, 0);
  payload.writeUInt32BE(status, 4);
  return controlFrame(FRAME.goAway, 0, payload);
}

/** Header names and values: lower-case names, each value its own entry (joined with NUL on the wire). */
export type SpdyHeaders = Record<string, string[]>;

/** The uncompressed header block: a count, then length-prefixed names and NUL-joined values. */
export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const parts: Buffer[] = [];
  const count = Buffer.alloc(4);
  count.writeUInt32BE(Object.keys(headers).length, 0);
  parts.push(count);
  for (const [name, values] of Object.entries(headers)) {
    for (const text of [name.toLowerCase(), values.join("\0")]) {
      const bytes = Buffer.from(text, "utf8");
      const length = Buffer.alloc(4);
      length.writeUInt32BE(bytes.length, 0);
      parts.push(length, bytes);
    }
  }
  return Buffer.concat(parts);
}

/** Reads an uncompressed header block; throws on one that ends early. */
export function decodeHeaderBlock(block: Buffer): SpdyHeaders {
  let offset = 0;
  const take = (n: number): Buffer => {
    if (offset + n > block.length) throw new Error("truncated SPDY header block");
    const out = block.subarray(offset, offset + n);
    offset += n;
    return out;
  };
  const count = take(4).readUInt32BE(0);
  const headers: SpdyHeaders = {};
  for (let i = 0; i < count; i++) {
    const name = take(take(4).readUInt32BE(0)).toString("utf8").toLowerCase();
    const value = take(take(4).readUInt32BE(0)).toString("utf8");
    headers[name] = [...(headers[name] ?? []), ...value.split("\0")];
  }
  return headers;
}

/**
 * Compresses the header blocks one end sends, as one zlib stream over the connection with the SPDY
 * dictionary preset. Each block goes out as a stored (uncompressed) deflate block, which any inflater
 * reads like a compressed one and which needs no zlib state here.
 */
export class HeaderCompressor {
  private started = false;

  compress(block: Buffer): Buffer {
    const parts: Buffer[] = [];
    if (!this.started) {
      this.started = true;
      // CMF 0x78 (deflate, 32 KiB window); FLG with FDICT set and the check bits; then the dictionary's Adler-32.
      const header = Buffer.from([0x78, 0xf9, 0, 0, 0, 0]);
      header.writeUInt32BE(adler32(SPDY_HEADER_DICTIONARY), 2);
      parts.push(header);
    }
    for (let offset = 0; offset < block.length; offset += 0xffff)
      parts.push(storedBlock(block.subarray(offset, offset + 0xffff)));
    // An empty stored block ends each header block, as zlib's sync flush does: inflaters hand out what a block
    // held only once the next block starts, so without it the receiver would wait for the next frame.
    parts.push(storedBlock(Buffer.alloc(0)));
    return Buffer.concat(parts);
  }
}

/** A stored deflate block, not the last: header byte 0 (BFINAL 0, BTYPE 00, padding), LEN, NLEN, the bytes. */
function storedBlock(piece: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt16LE(piece.length, 1);
  header.writeUInt16LE(~piece.length & 0xffff, 3);
  return Buffer.concat([header, piece]);
}

/**
 * Inflates the header blocks the other end sends: one zlib stream over the connection, each block ending in a
 * sync flush, so each decompresses to exactly its headers once the bytes so far are flushed through.
 */
export class HeaderDecompressor {
  private inflate: Inflate = createInflate({ dictionary: SPDY_HEADER_DICTIONARY });

  constructor() {
    // Errors reach the caller through `decompress`; this keeps an errored stream from throwing unhandled.
    this.inflate.on("error", () => undefined);
  }

  decompress(compressed: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.inflate.once("error", onError);
      this.inflate.write(compressed);
      this.inflate.flush(zlibConstants.Z_SYNC_FLUSH, () => {
        this.inflate.off("error", onError);
        const chunks: Buffer[] = [];
        for (let chunk: unknown = this.inflate.read(); chunk !== null; chunk = this.inflate.read()) {
          chunks.push(chunk as Buffer);
        }
        resolve(Buffer.concat(chunks));
      });
    });
  }

  close(): void {
    this.inflate.destroy();
  }
}

/** Adler-32 of a buffer, as zlib's header names its preset dictionary. */
export function adler32(data: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}
