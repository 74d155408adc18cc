import type { ClusterAnswer } from "../../src/intake/clusters.js";
import type { RecoveryRecord } from "../../src/queue/recovery-queue.js";

/** The body of `GET /v1/clusters`. */
export interface ClusterListBody {
  clusters: ClusterAnswer[];
}

/** The body of `GET /v1/recoveries`, newest first. */
export interface RecoveryListBody {
  recoveries: RecoveryRecord[];
}

/**
 * The sentence of an error answer's body, `{"error": "..."}`. Throws, quoting the body, when it is not
 * one: a test that reads an error must not pass on an answer that has none.
 */
export function errorOf(body: unknown): string {
  if (typeof body === "object" && body !== null && "error" in body && typeof body.error === "string") return body.error;
  throw new Error(`expected an error answer {"error": "..."}, got ${JSON.stringify(body)}`);
}
