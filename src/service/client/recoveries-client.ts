import type { RecoveryRecord } from "../../queue/recovery-queue.js";
import { ServiceRequestError } from "./service-request-error.js";

/** The answer to `POST /v1/recoveries`. */
export interface RecoveryRequestAnswer {
  /** The recovery's id, for `GET /v1/recoveries/:id`. */
  id: string;
  /** The cluster name. */
  cluster: string;
  /** The cluster's namespace. */
  namespace: string;
  /** Member index, 1-based. */
  member: number;
  /** True when a queued or running recovery of the member absorbed the request. */
  deduplicated: boolean;
}

/** Which member to recover, as `POST /v1/recoveries` takes it. */
export interface RecoveryRequestBody {
  /** The cluster name. */
  cluster: string;
  /** Member index, 1-based. */
  member: number;
  /** Needed when the cluster name is used in several namespaces. */
  namespace?: string;
}

/** The recovery routes of a running service, over HTTP. */
export interface RecoveriesClient {
  /** Queues (or joins) a recovery. */
  requestRecovery(body: RecoveryRequestBody): Promise<RecoveryRequestAnswer>;
  /** One recovery as the service shows it. */
  getRecovery(id: string): Promise<RecoveryRecord>;
}

/** Where the service is and how to authenticate. */
export interface RecoveriesClientOptions {
  /** The service's base URL, e.g. `http://etcd-responder:8080`. */
  baseUrl: string;
  /** The `Authorization` header value; none is sent when absent. */
  authorization?: string;
  /** How long one request may take, ms; default 10 000. */
  requestTimeoutMs?: number;
}

/** The sentence for a 401: what the caller has to fix. */
export const UNAUTHORIZED_MESSAGE =
  "the service refused the request: the token is missing or wrong (set AUTH_TOKEN or AUTH_TOKEN_FILE to the service's token)";

/** A client of `POST /v1/recoveries` and `GET /v1/recoveries/:id`; failures are ServiceRequestErrors. */
export function createRecoveriesClient(options: RecoveriesClientOptions): RecoveriesClient {
  const base = options.baseUrl.replace(/\/+$/, "");
  const timeoutMs = options.requestTimeoutMs ?? 10_000;

  const call = async <T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> => {
    const headers: Record<string, string> = { accept: "application/json" };
    if (options.authorization) headers.authorization = options.authorization;
    if (body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new ServiceRequestError(`cannot reach ${base}: ${describeFetchFailure(error)}`, undefined, {
        cause: error,
      });
    }
    const text = await response.text().catch(() => "");
    const parsed = parseJson(text);
    if (response.ok) {
      if (parsed === undefined)
        throw new ServiceRequestError(`${method} ${path} answered ${response.status} without JSON`, response.status);
      return parsed as T;
    }
    if (response.status === 401) throw new ServiceRequestError(UNAUTHORIZED_MESSAGE, 401);
    const error =
      typeof parsed === "object" && parsed !== null && typeof (parsed as { error?: unknown }).error === "string"
        ? (parsed as { error: string }).error
        : undefined;
    const what = error ?? (text.trim().split("\n")[0]?.slice(0, 200) || response.statusText || "no message");
    throw new ServiceRequestError(`${what} (HTTP ${response.status})`, response.status);
  };

  return {
    requestRecovery: (body) => call<RecoveryRequestAnswer>("POST", "/v1/recoveries", body),
    getRecovery: (id) => call<RecoveryRecord>("GET", `/v1/recoveries/${encodeURIComponent(id)}`),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** fetch hides the reason (`fetch failed`) in its cause: ECONNREFUSED, a timeout, a DNS failure. */
function describeFetchFailure(error: unknown): string {
  if (error instanceof Error && error.name === "TimeoutError") return "no answer in time";
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}
