import { describe, expect, it } from "vitest";
import { decodeProtobufObject } from "../../../src/api/protobuf/decode-protobuf.js";
import { StatusError } from "../../../src/api/status-error.js";

// A minimal protobuf writer, enough to build the bodies client-go sends.
function varint(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? byte | 0x80 : byte);
  } while (v > 0n);
  return out;
}
const bytes = (field: number, data: number[] | Buffer | string) => {
  const body = typeof data === "string" ? [...Buffer.from(data)] : [...data];
  return [...varint((field << 3) | 2), ...varint(body.length), ...body];
};
const int = (field: number, n: number) => [...varint(field << 3), ...varint(n)];
const entry = (field: number, key: string, value: string | Buffer) =>
  bytes(field, [...bytes(1, key), ...bytes(2, typeof value === "string" ? value : value)]);
const envelope = (apiVersion: string, kind: string, raw: number[]) =>
  Buffer.from([
    0x6b,
    0x38,
    0x73,
    0x00,
    ...bytes(1, [...bytes(1, apiVersion), ...bytes(2, kind)]),
    ...bytes(2, raw),
    ...bytes(3, ""),
    ...bytes(4, ""),
  ]);

describe("decodeProtobufObject", () => {
  it("decodes a Helm release Secret", () => {
    const meta = [
      ...bytes(1, "sh.helm.release.v1.demo.v1"),
      ...bytes(2, ""),
      ...bytes(3, "default"),
      ...int(7, 0),
      ...bytes(8, [...int(1, 1714564800)]),
      ...entry(11, "owner", "helm"),
      ...entry(11, "name", "demo"),
      ...bytes(14, "keep"),
    ];
    const body = envelope("v1", "Secret", [
      ...bytes(1, meta),
      ...entry(2, "release", Buffer.from([0, 1, 255])),
      ...bytes(3, "helm.sh/release.v1"),
    ]);
    expect(decodeProtobufObject(body)).toEqual({
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name: "sh.helm.release.v1.demo.v1",
        namespace: "default",
        generation: 0,
        creationTimestamp: "2024-05-01T12:00:00Z",
        labels: { owner: "helm", name: "demo" },
        finalizers: ["keep"],
      },
      data: { release: Buffer.from([0, 1, 255]).toString("base64") },
      type: "helm.sh/release.v1",
    });
  });

  it("decodes DeleteOptions without a kind of its own", () => {
    const body = envelope("v1", "DeleteOptions", [
      ...int(1, 0),
      ...bytes(2, [...bytes(1, "u-1")]),
      ...bytes(4, "Background"),
    ]);
    expect(decodeProtobufObject(body)).toEqual({
      gracePeriodSeconds: 0,
      preconditions: { uid: "u-1" },
      propagationPolicy: "Background",
    });
  });

  it("refuses other kinds with 415 and broken bytes with 400", () => {
    const code = (body: Buffer) => {
      try {
        decodeProtobufObject(body);
      } catch (error) {
        return error instanceof StatusError ? error.code : -1;
      }
      return 0;
    };
    expect(code(envelope("apps/v1", "Deployment", []))).toBe(415);
    expect(code(Buffer.from("not protobuf"))).toBe(400);
    expect(code(Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x50]))).toBe(400);
  });
});
