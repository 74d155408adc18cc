import type { RecoveryRecord, RecoveryState } from "../../src/queue/recovery-queue.js";

/** The answer of `POST /v1/alerts`. */
export interface AlertsAnswer {
  enqueued: { id: string; cluster: string; namespace: string; member: number }[];
  deduplicated: number;
  ignored: number;
}

/** Which recoveries `GET /v1/recoveries` lists. */
export interface RecoveryQuery {
  cluster?: string;
  member?: number;
  state?: RecoveryState;
  limit?: number;
}

/** States a recovery does not leave. */
export const FINAL_STATES: readonly RecoveryState[] = ["succeeded", "skipped", "refused", "failed"];

const POLL_INTERVAL_MS = 50;

/** The receiver's HTTP API as a test or benchmark calls it, with a bearer token. */
export class ResponderClient {
  constructor(
    /** The receiver, `http://127.0.0.1:<port>`. */
    private readonly url: string,
    /** The bearer token; none for a service run with `--insecure-no-auth`. */
    private readonly token?: string,
  ) {}

  /** Posts a webhook notification as Alertmanager does; rejects unless the answer is 202. */
  async postAlerts(notification: unknown): Promise<AlertsAnswer> {
    const response = await fetch(`${this.url}/v1/alerts`, {
      method: "POST",
      headers: { ...this.authorization(), "content-type": "application/json" },
      body: JSON.stringify(notification),
      signal: AbortSignal.timeout(10_000),
    });
    if (response.status !== 202)
      throw new Error(`POST /v1/alerts answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as AlertsAnswer;
  }

  /** Asks for a recovery as a person does (`POST /v1/recoveries`); rejects unless the answer is 202. */
  async requestRecovery(request: { cluster: string; namespace?: string; member: number }): Promise<{ id: string }> {
    const response = await fetch(`${this.url}/v1/recoveries`, {
      method: "POST",
      headers: { ...this.authorization(), "content-type": "application/json" },
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(10_000),
    });
    if (response.status !== 202)
      throw new Error(`POST /v1/recoveries answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as { id: string };
  }

  /** `GET /v1/recoveries`, newest first. */
  async listRecoveries(query: RecoveryQuery = {}): Promise<RecoveryRecord[]> {
    const params = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
    const body = (await this.get(`/v1/recoveries?${params.toString()}`)) as { recoveries: RecoveryRecord[] };
    return body.recoveries;
  }

  /** `GET /v1/recoveries/:id`. */
  async getRecovery(id: string): Promise<RecoveryRecord> {
    return (await this.get(`/v1/recoveries/${encodeURIComponent(id)}`)) as RecoveryRecord;
  }

  /**
   * Asks `GET /v1/recoveries` every 50 ms until `pick` finds a recovery among the listed ones; rejects
   * after `timeoutMs` naming `what` and the recoveries last listed.
   */
  async waitForRecovery(
    query: RecoveryQuery,
    pick: (records: RecoveryRecord[]) => RecoveryRecord | undefined,
    what: string,
    timeoutMs = 120_000,
  ): Promise<RecoveryRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const records = await this.listRecoveries(query);
      const found = pick(records);
      if (found) return found;
      if (Date.now() >= deadline) {
        const seen = records
          .map((r) => `${r.id} member ${r.member} ${r.state}${r.reason ? ` (${r.reason})` : ""}`)
          .join("; ");
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; recoveries: ${seen || "none"}`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
  }

  /** Asks `GET /v1/recoveries/:id` every 50 ms until the recovery is in a final state; rejects after `timeoutMs`. */
  async waitUntilFinished(id: string, timeoutMs = 120_000): Promise<RecoveryRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const record = await this.getRecovery(id);
      if (FINAL_STATES.includes(record.state)) return record;
      if (Date.now() >= deadline) {
        const steps = record.steps.map((step) => `${step.name} ${step.outcome}: ${step.detail}`).join("; ");
        throw new Error(
          `recovery ${id} was still ${record.state} after ${timeoutMs} ms; steps ended: ${steps || "none"}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
  }

  private async get(path: string): Promise<unknown> {
    const response = await fetch(`${this.url}${path}`, {
      headers: this.authorization(),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`GET ${path} answered ${response.status}: ${await response.text()}`);
    return response.json();
  }

  private authorization(): Record<string, string> {
    return this.token === undefined ? {} : { authorization: `Bearer ${this.token}` };
  }
}
