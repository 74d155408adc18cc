import type { RecoveryRecord, RecoveryState } from "../queue/recovery-queue.js";
import { DeadlineExceededError, ResponderError, messageOf } from "../core/errors.js";
import { createLineReporter } from "../recovery/report.js";

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
interface RecoveryRequestBody {
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
const UNAUTHORIZED_MESSAGE =
  "the service refused the request: the token is missing or wrong (set AUTH_TOKEN or AUTH_TOKEN_FILE to the " +
  "service's token)";

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
  return messageOf(error);
}

/** States a recovery does not leave. */
const FINAL_STATES: readonly RecoveryState[] = ["succeeded", "skipped", "refused", "failed"];

/** How to follow a recovery. */
export interface FollowOptions {
  /** Reads the recovery. */
  client: Pick<RecoveriesClient, "getRecovery">;
  /** The recovery's id. */
  id: string;
  /** Called with every record read. */
  onRecord: (record: RecoveryRecord) => void;
  /** Called when a read fails in a way that may pass (no answer, 5xx); following goes on. */
  onTransientError?: (error: ServiceRequestError) => void;
  /** Pause between reads, ms; default 250. */
  intervalMs?: number;
  /** Overall deadline, ms; default 600 000. */
  timeoutMs?: number;
  /** Milliseconds since the epoch; default `Date.now`. */
  now?: () => number;
}

/**
 * Reads the recovery until it reaches a final state, and resolves with that record. Rejects with a
 * DeadlineExceededError (carrying the last state seen) after the deadline, and with the ServiceRequestError
 * of a read that cannot pass (401, 404).
 */
export async function followRecovery(options: FollowOptions): Promise<RecoveryRecord> {
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? 250;
  const timeoutMs = options.timeoutMs ?? 600_000;
  const deadline = now() + timeoutMs;
  let last: RecoveryRecord | undefined;
  let lastError: string | undefined;
  for (;;) {
    try {
      last = await options.client.getRecovery(options.id);
      options.onRecord(last);
      if (FINAL_STATES.includes(last.state)) return last;
    } catch (error) {
      if (!(error instanceof ServiceRequestError) || !error.retryable) throw error;
      lastError = error.message;
      options.onTransientError?.(error);
    }
    const left = deadline - now();
    if (left <= 0) {
      const seen = last ? `the recovery was still ${last.state}` : `no answer: ${lastError ?? "none"}`;
      throw new DeadlineExceededError(`recovery ${options.id} to end`, timeoutMs, { lastObservation: seen });
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, left)));
  }
}

/** Prints a followed recovery for people: state changes, each step once as it ends, the plan and the end. */
export interface RecoveryPrinter {
  /** Prints what is new in `record` since the records before it. */
  show(record: RecoveryRecord): void;
}

/**
 * Lines as the `recover` command prints them (`[stop] scaled Deployment example-3 to 0; ...`), plus
 * `running (attempt 1)`, `queued again after attempt 1: ...` and a last line `<state>: <reason>`.
 */
export function createRecoveryPrinter(write: (line: string) => void): RecoveryPrinter {
  const steps = createLineReporter(write);
  const printed = new Set<string>();
  let lastState: RecoveryRecord["state"] | undefined;
  let lastAttempts = 0;

  const printNewSteps = (record: RecoveryRecord) => {
    for (const step of record.steps) {
      // A retried recovery starts its steps again; their start times tell the attempts apart.
      const key = `${step.name}@${step.startedAt}`;
      if (printed.has(key)) continue;
      printed.add(key);
      steps.stepEnded(step);
    }
  };

  return {
    show: (record) => {
      const final = FINAL_STATES.includes(record.state);
      if (record.state === "running" && (lastState !== "running" || record.attempts !== lastAttempts)) {
        const observing = record.mode === "observe" ? ", observe mode: nothing is changed" : "";
        write(`running (attempt ${Math.max(1, record.attempts)}${observing})`);
      }
      if (record.state === "queued" && lastState === "running") {
        write(`queued again after attempt ${record.attempts}${record.error ? `: ${record.error}` : ""}`);
      }
      printNewSteps(record);
      if (final && lastState !== record.state) {
        if (record.plan) {
          write("plan (observe mode: nothing was changed):");
          record.plan.forEach((line, index) => write(`  ${index + 1}. ${line}`));
        }
        write(`${record.state}: ${record.reason ?? record.error ?? "no reason given"}`);
      }
      lastState = record.state;
      lastAttempts = record.attempts;
    },
  };
}

/**
 * A request to the service's API failed: it answered with an error status (`status`), or could not be
 * reached at all (`status` undefined). Retryable when trying again later can help: no answer, or a 5xx.
 */
export class ServiceRequestError extends ResponderError {
  /** The HTTP status, or undefined when no answer came. */
  readonly status: number | undefined;

  constructor(message: string, status: number | undefined, options: { cause?: unknown } = {}) {
    super(message, { retryable: status === undefined || status >= 500, cause: options.cause });
    this.status = status;
  }
}
