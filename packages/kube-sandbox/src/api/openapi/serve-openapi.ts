import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { httpErrors } from "../http/http-errors.js";
import type { Reply } from "../http/respond.js";
import { documentUrl, openApiDocuments, openApiRoot } from "./documents.js";
import { encodeSwagger } from "./swagger-v2-proto.js";
import { swaggerDocument } from "./swagger-v2.js";

/**
 * Answers `/openapi/v3` (the listing of group-versions) and `/openapi/v3/api/v1`, `/openapi/v3/apis/GROUP/VERSION`
 * as kube-openapi's handler3 does: JSON only (protobuf is 406, which no client of the sandbox asks for alone), an
 * ETag that is the SHA-512 of the document, 304 for a matching If-None-Match, and for a `?hash=` URL either the
 * document with `Cache-Control: public, immutable` or a 301 to the URL of the current hash. `/openapi/v2` is the
 * JSON or, as client-go asks for it, protobuf (see swagger-v2.ts).
 */
export function serveOpenApi(segments: string[], query: URLSearchParams, headers: IncomingHttpHeaders): Reply {
  if (segments[1] === "v2" && segments.length === 2) return serveSwagger(headers);
  if (segments[1] !== "v3") throw httpErrors.pathNotFound();
  if (segments.length === 2) {
    const json = JSON.stringify(openApiRoot());
    return document(json, etagOf(json), headers, { "Content-Type": "application/json" });
  }
  const key = segments.slice(2).join("/");
  const doc = openApiDocuments().get(key);
  if (!doc) throw httpErrors.pathNotFound();
  if (!acceptsJson(headers.accept)) return { code: 406, body: "", headers: { Vary: "Accept" } };
  const cache: Record<string, string> = { "Content-Type": "application/json", Vary: "Accept" };
  const hash = query.get("hash");
  if (hash) {
    if (hash !== doc.hash) return { code: 301, body: "", headers: { Location: documentUrl(key, doc.hash) } };
    cache["Cache-Control"] = "public, immutable";
    cache.Expires = new Date(Date.now() + 365 * 24 * 3600 * 1000).toUTCString();
  }
  return document(doc.json, doc.hash, headers, cache);
}

const PROTOBUF_V2 = [
  "application/com.github.proto-openapi.spec.v2@v1.0+protobuf",
  "application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
];

let v2: { json: string; protobuf: Buffer; etag: string } | undefined;

/** `/openapi/v2`, as kube-openapi's handler: JSON, or protobuf for the media types of gnostic's document. */
function serveSwagger(headers: IncomingHttpHeaders): Reply {
  if (!v2) {
    const doc = swaggerDocument();
    const json = JSON.stringify(doc);
    v2 = { json, protobuf: encodeSwagger(doc), etag: etagOf(json) };
  }
  for (const clause of (headers.accept || "*/*").split(",")) {
    const mediaType = clause.split(";")[0]!.trim().toLowerCase();
    if (PROTOBUF_V2.includes(mediaType)) {
      const type = { "Content-Type": PROTOBUF_V2[1]!, Vary: "Accept" };
      return document(v2.protobuf, v2.etag, headers, type);
    }
    if (acceptsJson(mediaType))
      return document(v2.json, v2.etag, headers, { "Content-Type": "application/json", Vary: "Accept" });
  }
  return { code: 406, body: "", headers: { Vary: "Accept" } };
}

function etagOf(json: string): string {
  return createHash("sha512").update(json).digest("hex").toUpperCase();
}

function document(
  json: string | Buffer,
  etag: string,
  headers: IncomingHttpHeaders,
  extra: Record<string, string>,
): Reply {
  const quoted = `"${etag}"`;
  const out = { "Cache-Control": "no-cache, private", ...extra, Etag: quoted };
  const match = headers["if-none-match"];
  if (match && match.split(",").some((tag) => tag.trim() === quoted || tag.trim() === "*")) {
    return { code: 304, body: "", headers: out };
  }
  return { code: 200, body: json, headers: out };
}

/** Whether an Accept header takes JSON: absent, `*\/*`, `application/*` or `application/json`. */
function acceptsJson(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept.split(",").some((clause) => {
    const [type, subtype] = clause.split(";")[0]!.trim().toLowerCase().split("/");
    return (type === "*" || type === "application") && (subtype === "*" || subtype === "json");
  });
}
