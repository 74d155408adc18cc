import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { RecoveryRecord } from "../src/queue/recovery-queue.js";
import { crashLoopNotification } from "../test/support/crash-loop-notification.js";
import { breakUntilCrashLooping } from "../test/support/crash-looping-member.js";
import { FINAL_STATES, ResponderClient, type AlertsAnswer } from "../test/support/responder-client.js";
import { clusterShape } from "../test/support/etcd-cluster-checks.js";
import { kubeConfigFrom } from "../test/support/pod-watch.js";
import { startRedis } from "../test/support/redis-server.js";
import { startResponder, type ResponderProcess } from "../test/support/responder-process.js";
import { startSandboxProcess, type SandboxProcess } from "../test/support/sandbox-process.js";
import { runAutocannon } from "./intake-load.js";
import { ms } from "./stats.js";
import { ETCD_SETTLE_MS } from "./etcd-settle.js";

const MEMBERS = 5;
const MEMBER = 3;
const NOTIFICATIONS = 10_000;
const CONNECTIONS = 50;

export interface AlertStormResult {
  /** Notifications posted. */
  posted: number;
  /** Of them answered 202. */
  accepted: number;
  /** From the first to the last answer, ms. */
  stormMs: number;
  /** Recoveries the answers say were queued. */
  enqueued: number;
  /** Alerts the answers counted as joining a queued or running recovery. */
  deduplicated: number;
  /** Recoveries of the member `GET /v1/recoveries` lists afterwards, oldest first. */
  listed: RecoveryRecord[];
  /** The first recovery: the one the storm's first notification queued. */
  first: RecoveryRecord;
  /** From the storm's start to the first recovery's end (`finishedAt`), ms. */
  firstFinishedMs: number;
  /** The first recovery's own steps, first start to last end, ms. */
  firstStepsMs: number;
  /** Notifications answered while the first recovery was queued or running. */
  answeredDuringFirst: number;
  /** Recoveries created while the first was queued or running, the first included. */
  createdDuringFirst: number;
  /** Voters and learners of the cluster afterwards. */
  voters: number;
  learners: number;
}

/**
 * 10,000 single-alert notifications about one broken member, as fast as 50 connections carry them, at a
 * service (`all`) whose worker recovers that member meanwhile. Every alert that arrives while the recovery
 * is queued or running must join it; the recovery must succeed.
 */
export async function benchAlertStorm(): Promise<AlertStormResult> {
  const token = randomBytes(16).toString("hex");
  const redis = await startRedis();
  let sandbox: SandboxProcess | undefined;
  let responder: ResponderProcess | undefined;
  try {
    sandbox = await startSandboxProcess({ members: MEMBERS, backoffMs: 500 });
    const settled = Date.now() + ETCD_SETTLE_MS;
    responder = await startResponder({
      config: join(sandbox.dir, "responder.yaml"),
      redisURL: redis.url,
      token,
      mode: "all",
      env: { KUBECONFIG: sandbox.info.kubeconfig },
    });
    const client = new ResponderClient(responder.url, token);
    const pod = await breakUntilCrashLooping(kubeConfigFrom(sandbox.info.kubeconfig), "default", "example", MEMBER);
    await new Promise((r) => setTimeout(r, Math.max(0, settled - Date.now())));

    const answeredAt: number[] = [];
    const tally = { accepted: 0, enqueued: 0, deduplicated: 0, other: [] as string[] };
    const stormStarted = Date.now();
    const result = await runAutocannon({
      url: `${responder.url}/v1/alerts`,
      connections: CONNECTIONS,
      amount: NOTIFICATIONS,
      requests: [
        {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          // The same alert every time, as Alertmanager replicas and retries send it.
          body: JSON.stringify(crashLoopNotification([{ pod }])),
          onResponse: (status: number, body: string) => {
            answeredAt.push(Date.now());
            if (status !== 202) {
              if (tally.other.length < 5) tally.other.push(`${status} ${body.slice(0, 200)}`);
              return;
            }
            const answer = JSON.parse(body) as AlertsAnswer;
            tally.accepted++;
            tally.enqueued += answer.enqueued.length;
            tally.deduplicated += answer.deduplicated;
          },
        },
      ],
    });
    const stormMs = (answeredAt.at(-1) ?? Date.now()) - stormStarted;
    if (tally.other.length || result.errors) {
      throw new Error(
        `the storm got ${result.non2xx} non-202 answers and ${result.errors} errors, e.g. ${tally.other.join("; ")}`,
      );
    }

    const query = { cluster: "example", member: MEMBER, limit: 1000 };
    const isFinal = (r: RecoveryRecord) => FINAL_STATES.includes(r.state);
    // Then every recovery of the member has finished; the list answers newest first.
    const newest = await client.waitForRecovery(
      query,
      (records) => (records.every(isFinal) ? records[0] : undefined),
      `every recovery of member ${MEMBER} to finish`,
      180_000,
    );
    const listed = (await client.listRecoveries(query)).reverse();
    const first = listed[0] ?? newest;
    const firstEnded = Date.parse(first.finishedAt!);
    const shape = await clusterShape(sandbox.info, sandbox.info.clusters[0]!);
    return {
      posted: result.requests.total,
      accepted: tally.accepted,
      stormMs,
      enqueued: tally.enqueued,
      deduplicated: tally.deduplicated,
      listed,
      first,
      firstFinishedMs: firstEnded - stormStarted,
      firstStepsMs: Math.max(...first.steps.map((s) => s.endedAt)) - Math.min(...first.steps.map((s) => s.startedAt)),
      answeredDuringFirst: answeredAt.filter((at) => at <= firstEnded).length,
      createdDuringFirst: listed.filter((r) => Date.parse(r.createdAt) <= firstEnded).length,
      voters: shape.names.length - shape.learners,
      learners: shape.learners,
    };
  } finally {
    await responder?.stop();
    await sandbox?.stop();
    await redis.stop();
  }
}

export function renderAlertStorm(result: AlertStormResult): string {
  const byState = new Map<string, number>();
  for (const r of result.listed) byState.set(r.state, (byState.get(r.state) ?? 0) + 1);
  const states = [...byState].map(([state, n]) => `${n} ${state}`).join(", ") || "none";
  const later = result.listed.slice(1);
  const met =
    result.createdDuringFirst === 1 && result.first.state === "succeeded" && later.every((r) => r.state === "skipped");
  const perSecond = ((result.accepted / result.stormMs) * 1000).toFixed(0);
  const firstSteps = result.first.steps.map((step) => `${step.name} ${ms(step.endedAt - step.startedAt)}`).join(", ");
  return [
    `### Alert storm (${NOTIFICATIONS.toLocaleString("en")} single-alert notifications about one broken member, ` +
      `${CONNECTIONS} connections, receiver and worker in one process)`,
    "",
    "| what | value |",
    "|---|---|",
    `| notifications posted / answered 202 | ${result.posted} / ${result.accepted} |`,
    `| storm duration (first to last answer) | ${ms(result.stormMs)} (${perSecond}/s) |`,
    "| the first recovery: storm start to its end / its steps alone | " +
      `${ms(result.firstFinishedMs)} / ${ms(result.firstStepsMs)} (${result.first.state}) |`,
    `| notifications answered while it was queued or running | ${result.answeredDuringFirst} |`,
    `| recoveries created meanwhile | ${result.createdDuringFirst} |`,
    `| notifications answered after it ended | ${result.accepted - result.answeredDuringFirst} |`,
    `| recoveries listed by \`GET /v1/recoveries?cluster=example&member=${MEMBER}\` | ` +
      `${result.listed.length} (${states}) |`,
    `| queued / deduplicated, by the answers | ${result.enqueued} / ${result.deduplicated} |`,
    `| cluster afterwards | ${result.voters} voters, ${result.learners} learners |`,
    "",
    `Steps of the first recovery: ${firstSteps}.`,
    "",
    (met
      ? "Every alert that arrived while the recovery was queued or running joined it, and it succeeded. "
      : "NOT MET: expected one recovery while the first was queued or running, " +
        "succeeded, and only skipped ones after. ") +
      (later.length
        ? "The storm outlasted the recovery: each alert that arrived after a recovery ended queued a new one, " +
          "which found the member healthy and ended `skipped` without changing anything " +
          `(${later.length} of them).`
        : result.accepted > result.answeredDuringFirst
          ? "The alerts answered after it ended had started firing before it (their `startsAt`), " +
            "so they joined it too: one recovery in all."
          : "The storm ended before the recovery did: one recovery in all."),
  ].join("\n");
}
