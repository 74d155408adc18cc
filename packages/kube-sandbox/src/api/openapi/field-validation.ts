import type { ServerResponse } from "node:http";
import type { ResourceType } from "../resource-catalog.js";
import { StatusError } from "../status-error.js";
import { duplicateJsonFields } from "./duplicate-fields.js";
import { kindSchemas } from "./schemas.js";
import { pruneUnknownFields } from "./unknown-fields.js";

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

/** What the check of one write found; its `obj` has lost its unknown fields by then. */
export interface FieldCheck {
  directive: FieldValidation;
  errors: string[];
}

/**
 * Server-side field validation of an object a create, update or patch is about to store: unknown fields are
 * dropped (kube-apiserver's decoder keeps only what its types know), and with them the fields `rawJson` sets
 * twice are reported, by the directive of the request: `Ignore` says nothing, `Warn` answers each in a
 * `Warning` header, `Strict` refuses the write with 400 `strict decoding error: ...`. `rawJson` is the body when
 * it is the object itself in JSON (a create or update), so that its duplicates can be found.
 */
export function checkFields(
  type: ResourceType,
  obj: Record<string, unknown>,
  query: URLSearchParams,
  options: WriteOptions,
  res: ServerResponse,
  rawJson?: string,
): void {
  const directive = fieldValidationOf(query, options);
  const { schemas, rootOf } = kindSchemas();
  const root = rootOf.get(type);
  const unknown = root ? pruneUnknownFields(schemas, root, obj) : [];
  const duplicates = rawJson !== undefined && directive !== "Ignore" ? duplicateJsonFields(rawJson) : [];
  const errors = [...unknown.map((p) => `unknown field "${p}"`), ...duplicates.map((p) => `duplicate field "${p}"`)];
  if (errors.length === 0 || directive === "Ignore") return;
  if (directive === "Warn") {
    addWarnings(res, errors);
    return;
  }
  const strict = `strict decoding error: ${errors.join(", ")}`;
  if (options === "PatchOptions") throw StatusError.badRequest(strict);
  throw StatusError.badRequest(
    `${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: ${strict}`,
  );
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

/** The body as text when its Content-Type is JSON (what can hold duplicate fields unnoticed), else undefined. */
export function jsonBodyText(contentType: string | undefined, raw: Buffer): string | undefined {
  const mediaType = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  return mediaType === "" || mediaType === "application/json" ? raw.toString("utf8") : undefined;
}
