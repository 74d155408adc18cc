import type { ServerResponse } from "node:http";
import type { ApiRequest } from "../api-context.js";
import type { ResourceType } from "../resource-catalog.js";
import { StatusError } from "../status-error.js";
import { duplicateJsonFields } from "./duplicate-fields.js";
import { strictPatchError } from "./patch-error.js";
import { kindSchemas } from "./schemas.js";
import { pruneUnknownFields } from "./unknown-fields.js";
import { cloneJson } from "../patch/json-value.js";

export type FieldValidation = "Ignore" | "Warn" | "Strict";

const DIRECTIVES: readonly string[] = ["Ignore", "Strict", "Warn"];

/** The options kind each write's query parameters are, as kube-apiserver names them in its errors. */
export type WriteOptions = "CreateOptions" | "UpdateOptions" | "PatchOptions";

/**
 * The `fieldValidation` query parameter of a create, update or patch: `Warn` when absent, as kube-apiserver
 * defaults it; anything but `Ignore`, `Warn` or `Strict` is refused with its 422.
 */
export function fieldValidationOf(query: URLSearchParams, options: WriteOptions): FieldValidation {
  const value = query.get("fieldValidation");
  if (value === null || value === "") return "Warn";
  if (DIRECTIVES.includes(value)) return value as FieldValidation;
  const message =
    `${options}.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: ${JSON.stringify(value)}: ` +
    `supported values: ${DIRECTIVES.map((d) => JSON.stringify(d)).join(", ")}`;
  throw new StatusError(422, "Invalid", message, {
    group: "meta.k8s.io",
    kind: options,
    causes: [{ reason: "FieldValueNotSupported", message, field: "fieldValidation" }],
  });
}

/** What of the request the check reads: its query (the directive), its answer (warnings), its Content-Type. */
export type CheckedRequest = Pick<ApiRequest, "query" | "res" | "headers">;

/**
 * Server-side field validation of an object a create, update or patch is about to store: unknown fields are
 * dropped (kube-apiserver's decoder keeps only what its types know), and with them the fields the JSON body sets
 * twice in one object are reported, by the directive of the request: `Ignore` says nothing, `Warn` answers each
 * in a `Warning` header, `Strict` refuses the write: a create or update with 400 `KIND in version "v1" cannot be
 * handled as a KIND: strict decoding error: ...`, a patch with 422 (see strictPatchError). `body` is the raw
 * request body: the object of a create or update, the patch of a patch.
 */
export function checkFields(
  type: ResourceType,
  obj: Record<string, unknown>,
  request: CheckedRequest,
  options: WriteOptions,
  body: Buffer,
): void {
  const directive = fieldValidationOf(request.query, options);
  if (directive === "Ignore") {
    prune(type, obj);
    return;
  }
  const contentType = request.headers["content-type"];
  const before = options === "PatchOptions" && directive === "Strict" ? cloneJson(obj) : undefined;
  const unknown = prune(type, obj);
  const json = duplicateCheckedText(contentType, body);
  const duplicates = json === undefined ? [] : duplicateJsonFields(json);
  const unknownErrors = unknown.map((p) => `unknown field "${p}"`);
  const duplicateErrors = duplicates.map((p) => `duplicate field "${p}"`);
  // A patch's own duplicates are found as it is decoded, before the patched object's unknown fields.
  const errors =
    options === "PatchOptions" ? [...duplicateErrors, ...unknownErrors] : [...unknownErrors, ...duplicateErrors];
  if (errors.length === 0) return;
  if (directive === "Warn") {
    addWarnings(request.res, errors);
    return;
  }
  const strict = `strict decoding error: ${errors.join(", ")}`;
  if (options === "PatchOptions") throw strictPatchError(contentType, body, before, strict);
  throw StatusError.badRequest(
    `${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: ${strict}`,
  );
}

function prune(type: ResourceType, obj: Record<string, unknown>): string[] {
  const { schemas, rootOf } = kindSchemas();
  const root = rootOf.get(type);
  return root ? pruneUnknownFields(schemas, root, obj) : [];
}

/** Adds `Warning: 299 - "text"` headers, as kube-apiserver sends warnings (kubectl prints `Warning: text`). */
export function addWarnings(res: ServerResponse, texts: string[]): void {
  if (res.headersSent) return;
  const existing = res.getHeader("Warning");
  const previous = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  res.setHeader("Warning", [...previous, ...texts.map((text) => `299 - ${quoted(text)}`)]);
}

/** Go's strconv.Quote for header text: quotes and backslashes escaped, anything outside printable ASCII as \u. */
function quoted(text: string): string {
  return JSON.stringify(text).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * The body as text when it is JSON that decodes to the object or a map patch (JSON, merge and strategic merge
 * patches), where duplicate fields go unnoticed by JSON.parse; else undefined (YAML refuses them itself).
 */
function duplicateCheckedText(contentType: string | undefined, raw: Buffer): string | undefined {
  const mediaType = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  return JSON_OBJECT_TYPES.includes(mediaType) ? raw.toString("utf8") : undefined;
}

const JSON_OBJECT_TYPES = [
  "",
  "application/json",
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
];
