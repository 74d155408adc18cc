import { ApiException } from "@kubernetes/client-node/dist/gen/apis/exception.js";
import { ResponderError } from "../../core/errors.js";

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

/** Error codes of a connection that failed or broke, as Node's sockets and DNS, and undici, report them. */
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
  // undici's own: the server closed the connection; connecting, the headers or the body took too long.
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/** How far down an error's `cause` chain to look. */
const CAUSE_DEPTH = 3;

/**
 * Reads a thrown value: `ApiException` (code and a body that is raw Status JSON text or an object),
 * a watch failure (`statusCode`), a connection failure, or anything else (a bug, not worth retrying).
 */
export function describeApiFailure(error: unknown): ApiFailure {
  const statusCode = statusCodeOf(error);
  if (statusCode === undefined) return { message: messageWithCauses(error), network: isNetworkError(error) };
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
 * Whether no answer came: a socket or DNS error code, also down the cause chain (undici's fetch fails with
 * "fetch failed" and puts the socket's error on `cause`). A request that was aborted counts too.
 */
export function isNetworkError(error: unknown): boolean {
  if (errorCodes(error).some((code) => NETWORK_CODES.has(code))) return true;
  return causeChain(error).some((link) => (link as { name?: unknown }).name === "AbortError");
}

/** The `code`s of an error and of its causes, outermost first. */
export function errorCodes(error: unknown): string[] {
  return causeChain(error).flatMap((link) => {
    const { code } = link as { code?: unknown };
    return typeof code === "string" ? [code] : [];
  });
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

/** An error and its causes, outermost first. */
function causeChain(error: unknown): object[] {
  const chain: object[] = [];
  for (let link = error; chain.length < CAUSE_DEPTH && typeof link === "object" && link !== null;) {
    chain.push(link);
    link = (link as { cause?: unknown }).cause;
  }
  return chain;
}

/**
 * The error's message followed by its causes' (their code when they have no message), as in
 * `fetch failed: connect ECONNREFUSED 10.0.0.1:6443`: undici's own message does not say what went wrong.
 */
function messageWithCauses(error: unknown): string {
  const parts = causeChain(error).map((link) => {
    const { message, code } = link as { message?: unknown; code?: unknown };
    return typeof message === "string" && message ? message : typeof code === "string" ? code : "";
  });
  const message = [...new Set(parts.filter(Boolean))].join(": ");
  return message || String(error);
}

/**
 * A Kubernetes API call failed. The message names the call and the object:
 * `replace Deployment default/example-1 failed with 422 Invalid: Deployment.apps "example-1" is invalid: ...`.
 * Retryable when the network failed, on 429, 5xx and 409 Conflict; not for other 4xx answers nor for bugs.
 */
export class KubernetesApiError extends ResponderError {
  /** The call, e.g. `read`, `replace`, `patch scale of`, `watch`. */
  readonly operation: string;
  /** The object or collection, e.g. `Deployment default/example-1`. */
  readonly object: string;
  /** HTTP status of the answer; undefined when the server did not answer. */
  readonly statusCode: number | undefined;
  /** `reason` of the Status answer, e.g. `Forbidden`; undefined when there was none. */
  readonly reason: string | undefined;
  /** The Status message, or the underlying error's message. */
  readonly statusMessage: string;

  constructor(operation: string, object: string, cause: unknown) {
    const failure = describeApiFailure(cause);
    const outcome =
      failure.statusCode === undefined
        ? `failed: ${failure.message}`
        : `failed with ${failure.statusCode}${failure.reason ? ` ${failure.reason}` : ""}: ${failure.message}`;
    super(`${operation} ${object} ${outcome}`, { retryable: isRetryableFailure(failure), cause });
    this.operation = operation;
    this.object = object;
    this.statusCode = failure.statusCode;
    this.reason = failure.reason;
    this.statusMessage = failure.message;
  }
}

/** Wraps a client-node failure, keeping errors that are already typed as they are. */
export function toKubernetesApiError(operation: string, object: string, error: unknown): ResponderError {
  if (error instanceof ResponderError) return error;
  return new KubernetesApiError(operation, object, error);
}
