import type { ServerResponse } from "node:http";
import type { StatusError } from "../status-error.js";

/**
 * What a handler answers: a JSON body, plain text, a body already serialized with headers of its own (OpenAPI
 * documents: ETag, Cache-Control), or a stream it already writes itself.
 */
export type Reply =
  | { code: number; json: unknown }
  | { code: number; text: string }
  | { code: number; body: string | Buffer; headers: Record<string, string> }
  | { streaming: true };

export function jsonReply(code: number, json: unknown): Reply {
  return { code, json };
}

/**
 * A `Status` of success: as DELETE answers when the object is gone at once (with `details` naming it), or an
 * eviction (with the HTTP `code` and no details).
 */
export function successStatus(extra: { details?: Record<string, unknown>; code?: number }): Record<string, unknown> {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", ...extra };
}

export function statusReply(error: StatusError): Reply {
  return { code: error.code, json: error.toStatus() };
}

/** Writes a reply unless the handler streams; returns the HTTP status code sent (0 for streams). */
export function sendReply(res: ServerResponse, reply: Reply): number {
  if ("streaming" in reply) return 0;
  if (res.headersSent) {
    res.end();
    return reply.code;
  }
  if ("body" in reply) {
    res.writeHead(reply.code, { "Content-Length": Buffer.byteLength(reply.body), ...reply.headers });
    res.end(reply.body);
    return reply.code;
  }
  const isText = "text" in reply;
  const body = isText ? reply.text : JSON.stringify(reply.json);
  res.writeHead(reply.code, {
    "Content-Type": isText ? "text/plain" : "application/json",
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-cache, private",
  });
  res.end(body);
  return reply.code;
}
