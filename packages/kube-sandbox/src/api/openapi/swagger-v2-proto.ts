import type { Schema } from "./schemas.js";

/**
 * Encodes the v2 document as the protobuf client-go asks for (`application/com.github.proto-openapi.spec.v2@v1.0
 * +protobuf`): gnostic's `openapi.v2.Document`, field numbers from its OpenAPIv2.proto. Only the parts the
 * sandbox's document has are written: paths and their operations, parameters, responses and definitions;
 * vendor extensions as gnostic keeps them, their value as YAML text (JSON, which YAML reads as it is).
 */
export function encodeSwagger(doc: Schema): Buffer {
  const info = doc.info as Schema;
  return new Writer()
    .string(1, doc.swagger as string)
    .message(2, new Writer().string(1, info.title as string).string(2, info.version as string))
    .message(8, paths(doc.paths as Record<string, Schema>))
    .message(9, named(doc.definitions as Record<string, Schema>, schema))
    .finish();
}

class Writer {
  private readonly chunks: Buffer[] = [];

  string(field: number, value: string | undefined): this {
    if (value === undefined || value === "") return this;
    return this.bytes(field, Buffer.from(value, "utf8"));
  }

  strings(field: number, values: string[] | undefined): this {
    for (const value of values ?? []) this.bytes(field, Buffer.from(value, "utf8"));
    return this;
  }

  bool(field: number, value: unknown): this {
    if (value !== true) return this;
    this.varint(field * 8);
    this.varint(1);
    return this;
  }

  message(field: number, writer: Writer | undefined): this {
    return writer ? this.bytes(field, writer.finish()) : this;
  }

  messages(field: number, writers: Writer[]): this {
    for (const writer of writers) this.message(field, writer);
    return this;
  }

  finish(): Buffer {
    return Buffer.concat(this.chunks);
  }

  private bytes(field: number, bytes: Buffer): this {
    this.varint(field * 8 + 2);
    this.varint(bytes.length);
    this.chunks.push(bytes);
    return this;
  }

  private varint(value: number): void {
    const out: number[] = [];
    let rest = value;
    while (rest > 127) {
      out.push((rest & 127) | 128);
      rest = Math.floor(rest / 128);
    }
    out.push(rest);
    this.chunks.push(Buffer.from(out));
  }
}

/** A map as gnostic's repeated `Named...` pairs: `{name = 1, value = 2}`, in a message of its own (field 1). */
function named(record: Record<string, Schema>, encode: (value: Schema) => Writer): Writer {
  return new Writer().messages(
    1,
    Object.entries(record).map(([name, value]) => new Writer().string(1, name).message(2, encode(value))),
  );
}

/** `repeated NamedAny vendor_extension`: each `x-` key with its value as YAML (`Any.yaml`, field 2), in JSON. */
function extensions(writer: Writer, field: number, object: Schema): Writer {
  for (const [key, value] of Object.entries(object)) {
    if (!key.startsWith("x-")) continue;
    writer.message(field, new Writer().string(1, key).message(2, new Writer().string(2, `${JSON.stringify(value)}\n`)));
  }
  return writer;
}

function paths(record: Record<string, Schema>): Writer {
  const items = Object.entries(record).map(([name, item]) => new Writer().string(1, name).message(2, pathItem(item)));
  return new Writer().messages(2, items);
}

const OPERATION_FIELDS: Record<string, number> = { get: 2, put: 3, post: 4, delete: 5, patch: 8 };

function pathItem(item: Schema): Writer {
  const writer = new Writer();
  for (const [method, field] of Object.entries(OPERATION_FIELDS)) {
    if (item[method]) writer.message(field, operation(item[method] as Schema));
  }
  return writer.messages(9, ((item.parameters as Schema[] | undefined) ?? []).map(parameter));
}

function operation(op: Schema): Writer {
  const writer = new Writer()
    .string(3, op.description as string | undefined)
    .string(5, op.operationId as string | undefined)
    .strings(6, op.produces as string[] | undefined)
    .strings(7, op.consumes as string[] | undefined)
    .messages(8, ((op.parameters as Schema[] | undefined) ?? []).map(parameter))
    .message(9, responses(op.responses as Record<string, Schema>));
  return extensions(writer, 13, op);
}

function responses(record: Record<string, Schema>): Writer {
  const codes = Object.entries(record).map(([code, response]) => {
    const body = new Writer()
      .string(1, response.description as string | undefined)
      .message(2, new Writer().message(1, schema(response.schema as Schema)));
    return new Writer().string(1, code).message(2, new Writer().message(1, body));
  });
  return new Writer().messages(1, codes);
}

/** `ParametersItem { Parameter parameter = 1 }`: a body parameter, or a query or path one. */
function parameter(p: Schema): Writer {
  let inner: Writer;
  if (p.in === "body") {
    const body = new Writer()
      .string(2, p.name as string)
      .string(3, "body")
      .bool(4, p.required)
      .message(5, schema(p.schema as Schema));
    inner = new Writer().message(1, body);
  } else if (p.in === "query") {
    const query = new Writer()
      .bool(1, p.required)
      .string(2, "query")
      .string(3, p.description as string | undefined)
      .string(4, p.name as string)
      .string(6, p.type as string | undefined)
      .bool(20, p.uniqueItems);
    inner = new Writer().message(2, new Writer().message(3, query));
  } else {
    const path = new Writer()
      .bool(1, p.required)
      .string(2, "path")
      .string(3, p.description as string | undefined)
      .string(4, p.name as string)
      .string(5, p.type as string | undefined)
      .bool(19, p.uniqueItems);
    inner = new Writer().message(2, new Writer().message(4, path));
  }
  return new Writer().message(1, inner);
}

function schema(s: Schema): Writer {
  const writer = new Writer()
    .string(1, s.$ref as string | undefined)
    .string(2, s.format as string | undefined)
    .string(4, s.description as string | undefined)
    .strings(19, s.required as string[] | undefined);
  if (s.additionalProperties) writer.message(21, new Writer().message(1, schema(s.additionalProperties as Schema)));
  if (s.type) writer.message(22, new Writer().strings(1, [s.type as string]));
  if (s.items) writer.message(23, new Writer().message(1, schema(s.items as Schema)));
  if (s.properties) writer.message(25, named(s.properties as Record<string, Schema>, schema));
  return extensions(writer, 31, s);
}
