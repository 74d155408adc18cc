import type { KubeObject } from "../object-store.js";
import type { StatusCause } from "../status-error.js";
import { invalid } from "./field-causes.js";

/** RFC 3339 with optional fractional seconds, as Lease MicroTime fields carry it. */
const MICRO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Checks the types of a Lease's spec fields. */
export function validateLease(lease: KubeObject): StatusCause[] {
  const spec = lease.spec as Record<string, unknown> | undefined;
  if (spec === undefined || spec === null) return [];
  if (typeof spec !== "object" || Array.isArray(spec)) return [invalid("spec", spec, "must be an object")];
  const causes: StatusCause[] = [];
  const optional = (field: string, check: (v: unknown) => string | undefined) => {
    const value = spec[field];
    if (value === undefined || value === null) return;
    const problem = check(value);
    if (problem) causes.push(invalid(`spec.${field}`, value, problem));
  };
  optional("holderIdentity", (v) => (typeof v === "string" ? undefined : "must be a string"));
  optional("leaseDurationSeconds", (v) =>
    isInteger(v) ? (v > 0 ? undefined : "must be greater than 0") : "must be an integer",
  );
  optional("leaseTransitions", (v) =>
    isInteger(v) ? (v >= 0 ? undefined : "must be greater than or equal to 0") : "must be an integer",
  );
  for (const time of ["acquireTime", "renewTime"]) {
    optional(time, (v) =>
      typeof v === "string" && MICRO_TIME.test(v) && !Number.isNaN(Date.parse(v))
        ? undefined
        : "must be an RFC 3339 time",
    );
  }
  return causes;
}

function isInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value);
}
