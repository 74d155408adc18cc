import { StatusError } from "../status-error.js";
import { BODY_KINDS, SCHEMAS, type FieldSpec, type MessageSchema } from "./schemas.js";
import { ProtobufError, readFields, type WireField } from "./wire-reader.js";

/** Every Kubernetes protobuf body starts with these four bytes, then a `runtime.Unknown`. */
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/**
 * Decodes a `application/vnd.kubernetes.protobuf` body into the JSON form of the object, for the
 * kinds in `SCHEMAS`; 415 for any other kind, 400 for bytes that do not decode. Fields outside the
 * schemas are dropped.
 */
export function decodeProtobufObject(raw: Buffer): Record<string, unknown> {
  try {
    if (raw.length < MAGIC.length || !raw.subarray(0, MAGIC.length).equals(MAGIC)) {
      throw new ProtobufError("missing the k8s protobuf prefix");
    }
    const envelope = readFields(raw.subarray(MAGIC.length));
    const typeMeta = decodeMessage(bytesOf(envelope, 1), {
      1: { name: "apiVersion", type: "string" },
      2: { name: "kind", type: "string" },
    });
    const kind = typeof typeMeta.kind === "string" ? typeMeta.kind : "";
    const schema = SCHEMAS[kind];
    if (!schema || !BODY_KINDS.has(kind)) {
      throw new StatusError(
        415,
        "UnsupportedMediaType",
        `protobuf bodies of kind "${kind}" are not supported; send application/json`,
      );
    }
    const obj = decodeMessage(bytesOf(envelope, 2), schema);
    return kind === "DeleteOptions" ? obj : { apiVersion: typeMeta.apiVersion, kind, ...obj };
  } catch (error) {
    if (error instanceof ProtobufError)
      throw StatusError.badRequest(`the protobuf request body does not decode: ${error.message}`);
    throw error;
  }
}

function bytesOf(fields: WireField[], field: number): Uint8Array {
  const found = fields.find((f) => f.field === field && f.wireType === 2);
  return found ? (found.value as Uint8Array) : new Uint8Array();
}

function decodeMessage(bytes: Uint8Array, schema: MessageSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const wire of readFields(bytes)) {
    const spec = schema[wire.field];
    if (!spec) continue;
    const value = decodeValue(wire, spec);
    if (spec.type === "map<string,string>" || spec.type === "map<string,bytes>") {
      const [key, entry] = value as [string, unknown];
      out[spec.name] = { ...(out[spec.name] as object | undefined), [key]: entry };
    } else if (spec.repeated) {
      out[spec.name] = [...((out[spec.name] as unknown[] | undefined) ?? []), value];
    } else {
      out[spec.name] = value;
    }
  }
  // Go leaves zero values out of JSON; protobuf writes some of them explicitly.
  for (const [key, value] of Object.entries(out)) if (value === "" || value === undefined) delete out[key];
  return out;
}

function decodeValue(wire: WireField, spec: FieldSpec): unknown {
  const { type } = spec;
  if (type === "int" || type === "bool") {
    if (typeof wire.value !== "bigint") throw new ProtobufError(`field ${spec.name} is not a varint`);
    return type === "bool" ? wire.value !== 0n : Number(BigInt.asIntN(64, wire.value));
  }
  if (typeof wire.value === "bigint") throw new ProtobufError(`field ${spec.name} is not length-delimited`);
  const bytes = wire.value;
  switch (type) {
    case "string":
      return Buffer.from(bytes).toString("utf8");
    case "bytes":
      return Buffer.from(bytes).toString("base64");
    case "time": {
      const t = decodeMessage(bytes, { 1: { name: "seconds", type: "int" }, 2: { name: "nanos", type: "int" } });
      const seconds = typeof t.seconds === "number" ? t.seconds : 0;
      return seconds === 0 && !t.nanos ? undefined : new Date(seconds * 1000).toISOString().replace(/\.\d+Z$/, "Z");
    }
    case "map<string,string>":
    case "map<string,bytes>": {
      const valueType = type === "map<string,bytes>" ? "bytes" : "string";
      const entry = decodeMessage(bytes, { 1: { name: "key", type: "string" }, 2: { name: "value", type: valueType } });
      return [entry.key ?? "", entry.value ?? ""];
    }
    default:
      return decodeMessage(bytes, SCHEMAS[type.message] ?? {});
  }
}
