import { StatusError } from "../status-error.js";

/** The verbs a 409 Conflict can answer: kube-apiserver answers Conflict to writes of a changed object. */
export const CONFLICT_VERBS = ["update", "patch"] as const;

/**
 * Which requests a fault answers; every field absent matches every request. Values are as RBAC rules name
 * them: verbs `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`; resources
 * `deployments`, or `deployments/scale` for a subresource (a resource does not cover its subresources).
 */
export interface FaultMatch {
  /** The request's verbs; absent: every verb (for a 409 fault: `update` and `patch`). */
  verbs?: string[];
  /** The resources, `RESOURCE` or `RESOURCE/SUBRESOURCE`; absent: every path, also discovery and health. */
  resources?: string[];
  /** The namespace of the request; absent: any, and cluster-scoped requests. */
  namespace?: string;
}

/** How long a fault lasts: a number of requests, a duration, or both (whichever runs out first). */
export interface FaultLimits {
  /** It answers this many matching requests, then it is over. */
  requests?: number;
  /** It is over this many ms after it was turned on. */
  forMs?: number;
}

/**
 * Answer matching requests with a Status failure instead of serving them: `500` an InternalError, `409` a
 * Conflict (`the object has been modified; please apply your changes to the latest version and try again`).
 */
export interface AnswerFault extends FaultMatch, FaultLimits {
  kind: "answer";
  /** The HTTP status to answer. */
  code: 500 | 409;
}

/** Cut every open watch connection, now and, with `times` > 1, again every `everyMs`. */
export interface DropWatchesFault {
  kind: "drop-watches";
  /** How many times to drop the watches open at that moment; default 1. */
  times?: number;
  /** The pause between two drops, ms; required when `times` > 1. */
  everyMs?: number;
}

/** A fault as a client asks the fault switch for it (the body of `POST /sandbox/faults`). */
export type FaultSpec = AnswerFault | DropWatchesFault;

/** Longest a fault may last, or repeat for: a forgotten fault ends on its own. */
const MAX_FAULT_MS = 10 * 60_000;

/** Checks a request body as a FaultSpec; a 400 BadRequest names the first field it cannot use. */
export function parseFaultSpec(body: unknown): FaultSpec {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw invalid("the body must be an object");
  const value = body as Record<string, unknown>;
  if (value.kind === "answer") return parseAnswer(value);
  if (value.kind === "drop-watches") return parseDropWatches(value);
  throw invalid(`kind must be "answer" or "drop-watches", got ${JSON.stringify(value.kind)}`);
}

function parseAnswer(value: Record<string, unknown>): AnswerFault {
  allowOnly(value, ["kind", "code", "verbs", "resources", "namespace", "requests", "forMs"]);
  const { code } = value;
  if (code !== 500 && code !== 409) throw invalid(`code must be 500 or 409, got ${JSON.stringify(code)}`);
  const fault: AnswerFault = { kind: "answer", code };
  const verbs = stringList(value, "verbs");
  if (code === 409) {
    const refused = (verbs ?? []).filter((verb) => !(CONFLICT_VERBS as readonly string[]).includes(verb));
    if (refused.length > 0) throw invalid(`a 409 Conflict answers only update and patch, not ${refused.join(", ")}`);
  }
  if (verbs) fault.verbs = verbs;
  else if (code === 409) fault.verbs = [...CONFLICT_VERBS];
  const resources = stringList(value, "resources");
  if (resources) fault.resources = resources;
  if (value.namespace !== undefined) {
    if (typeof value.namespace !== "string" || !value.namespace) throw invalid("namespace must be a non-empty string");
    fault.namespace = value.namespace;
  }
  const requests = wholeNumber(value, "requests", 1, 1_000_000);
  const forMs = wholeNumber(value, "forMs", 1, MAX_FAULT_MS);
  if (requests === undefined && forMs === undefined) {
    throw invalid("give requests, forMs or both: a fault must end on its own");
  }
  if (requests !== undefined) fault.requests = requests;
  if (forMs !== undefined) fault.forMs = forMs;
  return fault;
}

function parseDropWatches(value: Record<string, unknown>): DropWatchesFault {
  allowOnly(value, ["kind", "times", "everyMs"]);
  const times = wholeNumber(value, "times", 1, 10_000) ?? 1;
  const everyMs = wholeNumber(value, "everyMs", 10, MAX_FAULT_MS);
  if (times > 1 && everyMs === undefined) throw invalid("everyMs is required when times is more than 1");
  if (everyMs !== undefined && times * everyMs > MAX_FAULT_MS) {
    throw invalid(`times x everyMs must be at most ${MAX_FAULT_MS} ms`);
  }
  return { kind: "drop-watches", times, ...(everyMs !== undefined ? { everyMs } : {}) };
}

function allowOnly(value: Record<string, unknown>, fields: string[]): void {
  const unknown = Object.keys(value).filter((key) => !fields.includes(key));
  if (unknown.length > 0)
    throw invalid(`unknown field ${unknown[0]} (a ${String(value.kind)} fault takes ${fields.join(", ")})`);
}

function stringList(value: Record<string, unknown>, field: string): string[] | undefined {
  const list = value[field];
  if (list === undefined) return undefined;
  if (!Array.isArray(list) || list.length === 0 || !list.every((item) => typeof item === "string" && item)) {
    throw invalid(`${field} must be a non-empty list of non-empty strings`);
  }
  return [...(list as string[])];
}

function wholeNumber(value: Record<string, unknown>, field: string, min: number, max: number): number | undefined {
  const number = value[field];
  if (number === undefined) return undefined;
  if (typeof number !== "number" || !Number.isInteger(number) || number < min || number > max) {
    throw invalid(`${field} must be a whole number from ${min} to ${max}, got ${JSON.stringify(number)}`);
  }
  return number;
}

function invalid(message: string): StatusError {
  return StatusError.badRequest(`fault: ${message}`);
}
