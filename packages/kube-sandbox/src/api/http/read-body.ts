import type { IncomingMessage } from "node:http";
import { StatusError } from "../status-error.js";
import { httpErrors } from "./http-errors.js";

/** Largest request body accepted, as the Kubernetes API server's limit. */
const MAX_BODY_BYTES = 3 * 1024 * 1024;

/**
 * Reads the whole request body. A body over the limit is drained (so the client can read the
 * answer) and refused with 413.
 */
export async function readRawBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "0");
  let tooLarge = Number.isFinite(declared) && declared > limit;
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    const data = chunk as Buffer;
    total += data.length;
    if (total > limit) tooLarge = true;
    if (!tooLarge) chunks.push(data);
  }
  if (tooLarge) throw httpErrors.tooLarge(limit);
  return Buffer.concat(chunks);
}

/** Parses a JSON body; 400 BadRequest when it is not JSON. An empty body is `undefined`. */
export function parseJsonBody(raw: Buffer): unknown {
  const text = raw.toString("utf8");
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw StatusError.badRequest(`the request body is not valid JSON: ${(error as Error).message}`);
  }
}
