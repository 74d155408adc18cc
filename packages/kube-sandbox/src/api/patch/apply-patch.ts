import { parse as parseYaml } from "yaml";
import { httpErrors } from "../http/http-errors.js";
import { parseJsonBody } from "../http/read-body.js";
import { StatusError } from "../status-error.js";
import { jsonPatch, parseJsonPatch } from "./json-patch.js";
import { isJsonObject, type JsonObject } from "./json-value.js";
import { mergePatch } from "./merge-patch.js";
import { strategicMergePatch } from "./strategic-merge-patch.js";

const JSON_PATCH = "application/json-patch+json";
const MERGE_PATCH = "application/merge-patch+json";
const STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";
/** Server-side apply: the body is the applied configuration, YAML or JSON. */
export const APPLY_PATCH = "application/apply-patch+yaml";

const SERVED = [JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH];

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function patchMediaType(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase();
}

/**
 * Applies a PATCH body to the current object by its Content-Type (merge, strategic merge or JSON patch); 415 for
 * any other media type, and for server-side apply where it is not served (subresources).
 */
export function applyPatch(contentType: string | undefined, current: unknown, body: Buffer): unknown {
  const mediaType = patchMediaType(contentType);
  if (!SERVED.includes(mediaType) || mediaType === APPLY_PATCH) {
    throw httpErrors.unsupportedMediaType(
      mediaType,
      SERVED.filter((t) => t !== APPLY_PATCH),
    );
  }
  const patch = parseJsonBody(body);
  if (mediaType === JSON_PATCH) return jsonPatch(current, parseJsonPatch(patch));
  if (!isJsonObject(patch)) throw StatusError.badRequest("a merge patch must be a JSON object");
  return mediaType === MERGE_PATCH ? mergePatch(current, patch) : strategicMergePatch(current, patch);
}

/** The configuration of an apply patch: a YAML (or JSON) object; 400 otherwise. */
export function parseApplyPatch(body: Buffer): JsonObject {
  let value: unknown;
  try {
    value = parseYaml(body.toString("utf8")) as unknown;
  } catch (error) {
    throw StatusError.badRequest(`error decoding YAML: ${(error as Error).message}`);
  }
  if (!isJsonObject(value)) throw StatusError.badRequest("the apply patch must be an object");
  return value;
}
