import { StatusError } from "../status-error.js";

const MERGE_TYPES = ["application/merge-patch+json", "application/json-patch+json"];

/**
 * kube-apiserver's refusal of a patch under `fieldValidation=Strict`: 422 Invalid on the field `patch`, whose
 * value is what it tried to decode, printed as Go prints it: for a strategic merge patch the patch itself
 * (`map[spec:map[replcas:1]]`, `%+v` of the map), for a merge or JSON patch the patched object as compact JSON with
 * sorted keys (`json.Marshal` of a map).
 */
export function strictPatchError(contentType: string | undefined, patch: Buffer, patched: unknown, strict: string) {
  const mediaType = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  let value: string;
  if (MERGE_TYPES.includes(mediaType)) value = sortedJson(patched);
  else {
    try {
      value = goValue(JSON.parse(patch.toString("utf8")));
    } catch {
      value = patch.toString("utf8");
    }
  }
  const detail = `Invalid value: ${JSON.stringify(value)}: ${strict}`;
  return new StatusError(422, "Invalid", ` "" is invalid: patch: ${detail}`, {
    causes: [{ reason: "FieldValueInvalid", message: detail, field: "patch" }],
  });
}

/** Go's `%+v` of a decoded JSON value: `map[a:1 b:[x y]]`, keys sorted, null as `<nil>`. */
export function goValue(value: unknown): string {
  if (value === null || value === undefined) return "<nil>";
  if (Array.isArray(value)) return `[${value.map(goValue).join(" ")}]`;
  if (typeof value === "object") {
    const entries = Object.keys(value).sort();
    return `map[${entries.map((k) => `${k}:${goValue((value as Record<string, unknown>)[k])}`).join(" ")}]`;
  }
  return typeof value === "string" ? value : (JSON.stringify(value) ?? "");
}

/** Compact JSON with the keys of every object sorted, as Go's `json.Marshal` writes a map. */
export function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== "object" || Array.isArray(inner)) return inner;
    const record = inner as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((k) => [k, record[k]]),
    );
  });
}
