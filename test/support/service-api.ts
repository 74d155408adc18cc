import type { AlertsAnswer } from "../../src/intake/alerts.js";
import type { RecoveryRecord } from "../../src/queue/recovery-queue.js";
import type { RecoveryListBody } from "./api-bodies.js";
import { crashLoopNotification } from "./crash-loop-notification.js";
import { TEST_TOKEN } from "./responder-process.js";

/** An HTTP answer with its JSON body. */
export interface ApiAnswer {
  status: number;
  /** The JSON as the service sent it; a test reads it as the API type of the answer it expects. */
  body: unknown;
}

/** The service's API with the test token, as Alertmanager or a person calls it. */
export interface ServiceApi {
  get(path: string): Promise<ApiAnswer>;
  post(path: string, body: unknown): Promise<ApiAnswer>;
  put(path: string, body: unknown): Promise<ApiAnswer>;
}

export function serviceApi(url: string, token: string = TEST_TOKEN): ServiceApi {
  const call = async (method: string, path: string, body?: unknown): Promise<ApiAnswer> => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  };
  return {
    get: (path) => call("GET", path),
    post: (path, body) => call("POST", path, body),
    put: (path, body) => call("PUT", path, body),
  };
}

const FINAL = ["succeeded", "skipped", "refused", "failed"];

/** Whether a recovery has ended. */
export function isFinal(record: RecoveryRecord): boolean {
  return FINAL.includes(record.state);
}

/** The recoveries of `cluster` the service still has queued or running, as `GET /v1/recoveries` lists them. */
export async function openRecoveries(api: ServiceApi, cluster: string): Promise<RecoveryRecord[]> {
  const listed = await api.get(`/v1/recoveries?cluster=${encodeURIComponent(cluster)}`);
  if (listed.status !== 200) throw new Error(`GET /v1/recoveries answered ${listed.status}`);
  return (listed.body as RecoveryListBody).recoveries.filter((r) => !isFinal(r));
}

/**
 * Reads `GET /v1/recoveries/:id` every `intervalMs` until `until(record)` holds; rejects after `timeoutMs`
 * with the last record seen.
 */
export async function waitForRecovery(
  api: ServiceApi,
  id: string,
  until: (record: RecoveryRecord) => boolean = isFinal,
  timeoutMs = 90_000,
  intervalMs = 100,
): Promise<RecoveryRecord> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const answer = await api.get(`/v1/recoveries/${encodeURIComponent(id)}`);
    last = answer.body;
    if (answer.status === 200 && until(answer.body as RecoveryRecord)) return answer.body as RecoveryRecord;
    if (Date.now() >= deadline)
      throw new Error(
        `recovery ${id} did not reach the awaited state within ${timeoutMs} ms; last: ${JSON.stringify(last)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The time a recovery held its cluster: from its first step's start to its last step's end. */
export function stepWindow(record: RecoveryRecord): { from: number; to: number } {
  if (record.steps.length === 0) throw new Error(`recovery ${record.id} recorded no steps`);
  return {
    from: Math.min(...record.steps.map((s) => s.startedAt)),
    to: Math.max(...record.steps.map((s) => s.endedAt)),
  };
}

/**
 * Posts one Alertmanager notification to `POST /v1/alerts` with a firing crash-loop alert for each of `pods` (in
 * `namespace`) and resolves with the recoveries it queued; rejects unless it was accepted
 * (202) and queued one recovery per Pod.
 */
export async function alertCrashLoops(
  api: ServiceApi,
  pods: readonly string[],
  namespace = "default",
): Promise<AlertsAnswer["enqueued"]> {
  const answer = await api.post("/v1/alerts", crashLoopNotification(pods.map((pod) => ({ namespace, pod }))));
  const body = answer.body as AlertsAnswer;
  if (answer.status !== 202 || body.enqueued.length !== pods.length) {
    throw new Error(`POST /v1/alerts for ${pods.join(", ")} answered ${answer.status}: ${JSON.stringify(body)}`);
  }
  return body.enqueued;
}
