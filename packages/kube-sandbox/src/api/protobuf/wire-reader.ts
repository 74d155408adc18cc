/** One field of a protobuf message as it sits on the wire. */
export interface WireField {
  field: number;
  /** 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32. */
  wireType: number;
  /** The varint (as bigint) or the raw bytes of a length-delimited field. */
  value: bigint | Uint8Array;
}

/** Thrown for bytes that are not a well-formed protobuf message. */
export class ProtobufError extends Error {
  override readonly name = "ProtobufError";
  constructor(message: string) {
    super(message);
    Object.setPrototypeOf(this, ProtobufError.prototype);
  }
}

/** Splits a protobuf message into its fields, in wire order (no schema needed). */
export function readFields(bytes: Uint8Array): WireField[] {
  const fields: WireField[] = [];
  let at = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (at >= bytes.length) throw new ProtobufError("truncated varint");
      const byte = bytes[at++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
    }
    throw new ProtobufError("varint longer than 10 bytes");
  };
  const take = (length: number): Uint8Array => {
    if (length < 0 || at + length > bytes.length) throw new ProtobufError("field runs past the end of the message");
    const out = bytes.subarray(at, at + length);
    at += length;
    return out;
  };
  while (at < bytes.length) {
    const key = varint();
    const field = Number(key >> 3n);
    const wireType = Number(key & 7n);
    if (field === 0) throw new ProtobufError("field number 0");
    switch (wireType) {
      case 0:
        fields.push({ field, wireType, value: varint() });
        break;
      case 1:
        fields.push({ field, wireType, value: take(8) });
        break;
      case 2:
        fields.push({ field, wireType, value: take(Number(varint())) });
        break;
      case 5:
        fields.push({ field, wireType, value: take(4) });
        break;
      default:
        throw new ProtobufError(`unsupported wire type ${wireType}`);
    }
  }
  return fields;
}
