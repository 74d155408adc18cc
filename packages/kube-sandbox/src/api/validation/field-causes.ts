import type { StatusCause } from "../status-error.js";

/** A field that must be set and is not. */
export function required(field: string, detail?: string): StatusCause {
  return { reason: "FieldValueRequired", message: detail ? `Required value: ${detail}` : "Required value", field };
}

/** A field whose value is not allowed; the value is shown as Kubernetes shows it. */
export function invalid(field: string, value: unknown, detail: string): StatusCause {
  return { reason: "FieldValueInvalid", message: `Invalid value: ${show(value)}: ${detail}`, field };
}

export function duplicate(field: string, value: unknown): StatusCause {
  return { reason: "FieldValueDuplicate", message: `Duplicate value: ${show(value)}`, field };
}

export function notSupported(field: string, value: unknown, supported: string[]): StatusCause {
  return {
    reason: "FieldValueNotSupported",
    message: `Unsupported value: ${show(value)}: supported values: ${supported.map((s) => `"${s}"`).join(", ")}`,
    field,
  };
}

/** A value as a cause quotes it: JSON, with a missing value as `null`. */
function show(value: unknown): string {
  return JSON.stringify(value ?? null);
}
