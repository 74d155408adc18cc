import { httpErrors } from "../http/http-errors.js";
import { parseJsonBody } from "../http/read-body.js";
import { StatusError } from "../status-error.js";
import { jsonPatch, parseJsonPatch } from "./json-patch.js";
import { isJsonObject } from "./json-value.js";
import { mergePatch } from "./merge-patch.js";
import { strategicMergePatch } from "./strategic-merge-patch.js";

const JSON_PATCH = "application/json-patch+json";
const MERGE_PATCH = "application/merge-patch+json";
const STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";

const SERVED = [JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH];

/**
 * Applies a PATCH body to the current object by its Content-Type. Server-side apply is not
 * served (415), nor is any other media type.
 */
export function applyPatch(contentType: string | undefined, current: unknown, body: Buffer): unknown {
  const mediaType = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (!SERVED.includes(mediaType)) throw httpErrors.unsupportedMediaType(mediaType, SERVED);
  const patch = parseJsonBody(body);
  if (mediaType === JSON_PATCH) return jsonPatch(current, parseJsonPatch(patch));
  if (!isJsonObject(patch)) throw StatusError.badRequest("a merge patch must be a JSON object");
  return mediaType === MERGE_PATCH ? mergePatch(current, patch) : strategicMergePatch(current, patch);
}
