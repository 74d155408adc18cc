import { ApiException } from "@kubernetes/client-node";

/** What a failed Kubernetes call amounts to, read from whatever client-node threw. */
export interface ApiFailure {
  /** HTTP status of the answer; undefined when no answer came (connection refused, reset, timed out). */
  statusCode?: number;
  /** `reason` of the Status the server sent, e.g. `NotFound`, `Conflict`, `AlreadyExists`. */
  reason?: string;
  /** The Status message, or the error's own message when there was no Status. */
  message: string;
  /** No answer came because the connection failed (refused, reset, timed out, name not resolved). */
  network: boolean;
}

/** Longest piece of a non-Status answer body kept in a message; proxies can answer with whole HTML pages. */
const MAX_BODY_TEXT = 300;

/** Error codes of a connection that failed or broke, as Node's sockets and DNS report them. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNABORTED",
]);

/**
 * Reads a thrown value: `ApiException` (code and a body that is raw Status JSON text or an object),
 * a watch failure (`statusCode`), a connection failure, or anything else (a bug, not worth retrying).
 */
export function describeApiFailure(error: unknown): ApiFailure {
  const statusCode = statusCodeOf(error);
  if (statusCode === undefined)
    return { message: error instanceof Error ? error.message : String(error), network: isNetworkError(error) };
  const body = error instanceof ApiException ? (error.body as unknown) : undefined;
  const status = parseStatusBody(body);
  const failure: ApiFailure = {
    statusCode,
    message: status.message ?? defaultMessage(error, statusCode),
    network: false,
  };
  if (status.reason) failure.reason = status.reason;
  return failure;
}

/** HTTP status of a client-node failure: `ApiException.code`, or `statusCode` of a failed watch request. */
export function statusCodeOf(error: unknown): number | undefined {
  if (error instanceof ApiException) return error.code;
  if (typeof error !== "object" || error === null) return undefined;
  const { statusCode } = error as { statusCode?: unknown };
  return typeof statusCode === "number" ? statusCode : undefined;
}

/**
 * Whether no answer came: node-fetch's FetchError or a socket error code, also one level down the cause
 * chain. A request that timed out (aborted) counts too.
 */
export function isNetworkError(error: unknown): boolean {
  for (let current = error, depth = 0; depth < 3 && typeof current === "object" && current !== null; depth++) {
    const { name, code, errno, cause } = current as {
      name?: unknown;
      code?: unknown;
      errno?: unknown;
      cause?: unknown;
    };
    if (typeof code === "string" && NETWORK_CODES.has(code)) return true;
    if (typeof errno === "string" && NETWORK_CODES.has(errno)) return true;
    if (name === "FetchError" || name === "AbortError") return true;
    current = cause;
  }
  return false;
}

/** `reason` and `message` of a Status answer body, given as JSON text or already parsed. */
export function parseStatusBody(body: unknown): { reason?: string; message?: string } {
  let value = body;
  if (typeof body === "string") {
    const text = body.trim();
    if (!text) return {};
    try {
      value = JSON.parse(text);
    } catch {
      return { message: text.length > MAX_BODY_TEXT ? `${text.slice(0, MAX_BODY_TEXT)}...` : text };
    }
  }
  if (typeof value !== "object" || value === null) return {};
  const { reason, message } = value as { reason?: unknown; message?: unknown };
  const out: { reason?: string; message?: string } = {};
  if (typeof reason === "string" && reason) out.reason = reason;
  if (typeof message === "string" && message) out.message = message;
  return out;
}

/**
 * Whether the same call can succeed later: no answer because of the network, 429 Too Many Requests, any 5xx, and a 409
 * Conflict (the object changed under us; reading it again is the documented way forward). Other 4xx answers
 * (forbidden, invalid, not found) repeat until a human changes something.
 */
export function isRetryableFailure(failure: Pick<ApiFailure, "statusCode" | "reason" | "network">): boolean {
  const { statusCode, reason, network } = failure;
  if (statusCode === undefined) return network;
  if (statusCode === 429 || statusCode >= 500) return true;
  return statusCode === 409 && reason === "Conflict";
}

function defaultMessage(error: unknown, statusCode: number): string {
  // ApiException's own message embeds headers and the whole body; the status code alone says more plainly.
  if (error instanceof ApiException) return `HTTP ${statusCode}`;
  return error instanceof Error && error.message ? error.message : `HTTP ${statusCode}`;
}
