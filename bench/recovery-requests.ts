import { randomBytes } from "node:crypto";
import type { RecoveryRecord } from "../src/queue/recovery-queue.js";
import { crashLoopNotification } from "../test/support/crash-loop-notification.js";
import type { ResponderClient } from "../test/support/responder-client.js";
import type { ResponderProcess } from "../test/support/responder-process.js";

/** How long one recovery may take before a benchmark gives up on it, ms. */
const FINISH_TIMEOUT_MS = 180_000;

/** Posts the notification Alertmanager would post about `pod` and resolves with the queued recovery's id. */
export async function queueRecovery(client: ResponderClient, pod: string): Promise<string> {
  const answer = await client.postAlerts(crashLoopNotification([{ pod, fingerprint: randomBytes(8).toString("hex") }]));
  const id = answer.enqueued[0]?.id;
  if (!id) throw new Error(`the notification about ${pod} queued no recovery: ${JSON.stringify(answer)}`);
  return id;
}

/**
 * Waits until recovery `id` ends and resolves with its record; rejects unless it succeeded with steps, quoting the
 * end of the workers' output.
 */
export async function succeeded(
  client: ResponderClient,
  id: string,
  workers: readonly ResponderProcess[],
): Promise<RecoveryRecord> {
  const record = await client.waitUntilFinished(id, FINISH_TIMEOUT_MS);
  if (record.state !== "succeeded" || !record.finishedAt || record.steps.length === 0) {
    throw new Error(
      `recovery ${id} of ${record.cluster} member ${record.member} ended ${record.state}: ` +
        `${record.reason ?? record.error ?? ""}\n${workers.map((w) => w.output().slice(-2000)).join("\n---\n")}`,
    );
  }
  return record;
}
