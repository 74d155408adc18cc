import type { NotificationEvent, NotificationFormat } from "../core/config/types.js";
import { REDACTED } from "../core/logged-error.js";
import type { RecoveryRecord } from "../queue/recovery-queue.js";

/** What one notification says, whatever its format: every field of the generic JSON object but `link`. */
export interface RecoveryNotice {
  /** What happened. */
  event: NotificationEvent;
  /** When it happened (ISO). */
  time: string;
  /** The cluster's name. */
  cluster: string;
  /** The cluster's namespace. */
  namespace: string;
  /** The member index (for `breakerTripped`, the member whose failed recovery tripped it). */
  member: number;
  /** The recovery's id, as `GET /v1/recoveries/:id` takes it. */
  recovery: string;
  /** `act` or `observe` (a plan only); `breakerTripped`: the mode the cluster is in now, `observe`. */
  mode: "act" | "observe";
  /** What asked for the recovery: `alert`, `manual` or `sweep`. */
  trigger: "alert" | "manual" | "sweep";
  /** The Pod an alert or the sweep named; null otherwise. */
  pod: string | null;
  /** Attempts made so far. */
  attempts: number;
  /** The step it stopped at (failed or refused), or its last step; null before any step ended. */
  step: string | null;
  /** Why it ended so (or why the breaker tripped); null for `started`. */
  reason: string | null;
  /** A failure that left the member changed: the state it is left in; null otherwise. */
  leftChanged: string | null;
  /** `breakerTripped`: the failures counted within the window; null otherwise. */
  failures: number | null;
}

/** Version of the generic JSON object; a field is only ever added within one version. */
export const JSON_PAYLOAD_VERSION = 1;

/** The longest reason (or left-changed text) a message carries, characters; Slack takes 3000 per block. */
const MAX_TEXT = 1500;

/**
 * The notice of a recovery event from its record, its texts cleaned of `secrets` (and of any user-info in a URL)
 * and cut to a length every receiver takes.
 */
export function noticeFrom(
  event: NotificationEvent,
  record: RecoveryRecord,
  options: { time: Date; secrets?: readonly string[]; failures?: number; reason?: string },
): RecoveryNotice {
  const clean = (text: string | undefined) => (text ? cut(scrubSecrets(text, options.secrets ?? [])) : null);
  const failedStep = record.steps.findLast((step) => step.outcome === "failed");
  const lastStep = failedStep ?? record.steps.at(-1);
  const trigger = record.trigger;
  return {
    event,
    time: options.time.toISOString(),
    cluster: record.cluster,
    namespace: record.namespace,
    member: record.member,
    recovery: record.id,
    mode: event === "breakerTripped" ? "observe" : record.mode,
    trigger: trigger.kind,
    pod: trigger.kind === "manual" ? null : (trigger.pod ?? null),
    attempts: record.attempts,
    step: event === "started" ? null : (lastStep?.name ?? null),
    reason: event === "started" ? null : clean(options.reason ?? record.reason ?? record.error),
    leftChanged: event === "failed" ? clean(record.leftChanged) : null,
    failures: event === "breakerTripped" ? (options.failures ?? null) : null,
  };
}

/** One line saying what happened, for people: Slack's `text`, the JSON object's `summary`. */
export function summaryOf(notice: RecoveryNotice): string {
  const member = `member ${notice.member} of ${notice.namespace}/${notice.cluster}`;
  const at = notice.step ? ` at step ${notice.step}` : "";
  const why = notice.reason ? `: ${notice.reason}` : "";
  switch (notice.event) {
    case "started":
      return `Recovery of ${member} started${notice.mode === "observe" ? " (observe mode)" : ""}, ${triggerText(
        notice,
      )}`;
    case "succeeded":
      return notice.mode === "observe"
        ? `Planned the recovery of ${member} (observe mode, nothing changed)${why}`
        : `Recovered ${member}${why}`;
    case "skipped":
      return `Recovery of ${member} skipped${why}`;
    case "refused":
      return `Recovery of ${member} refused${at}, nothing was changed${why}`;
    case "failed":
      return `Recovery of ${member} failed${at}${why}${left(notice)}`;
    case "breakerTripped":
      return `Circuit breaker tripped for ${notice.namespace}/${notice.cluster}: it is in observe mode now${why}`;
  }
}

function left(notice: RecoveryNotice): string {
  return notice.leftChanged ? `; left changed: ${notice.leftChanged}` : "";
}

function triggerText(notice: RecoveryNotice): string {
  const pod = notice.pod ? ` for Pod ${notice.pod}` : "";
  if (notice.trigger === "alert") return `from an alert${pod}`;
  if (notice.trigger === "sweep") return `by the crash-loop sweep${pod}`;
  return "on a manual request";
}

/** The body sent to a target: the generic JSON object, or Slack incoming-webhook JSON. */
export function payloadFor(format: NotificationFormat, notice: RecoveryNotice, link: string | null): object {
  return format === "slack" ? slackPayload(notice, link) : jsonPayload(notice, link);
}

/** The generic JSON object: every field always present (null when it does not apply), keys in a fixed order. */
export function jsonPayload(notice: RecoveryNotice, link: string | null): object {
  return {
    version: JSON_PAYLOAD_VERSION,
    source: "etcd-responder",
    ...notice,
    link,
    summary: summaryOf(notice),
  };
}

const TITLES: Record<NotificationEvent, string> = {
  started: ":hourglass_flowing_sand: etcd recovery started",
  succeeded: ":white_check_mark: etcd member recovered",
  skipped: ":information_source: etcd recovery skipped",
  refused: ":no_entry: etcd recovery refused",
  failed: ":x: etcd recovery failed",
  breakerTripped: ":rotating_light: etcd-responder circuit breaker tripped",
};

/**
 * Slack incoming-webhook JSON: `text` (the summary; what notifications and Slack-compatible receivers that ignore
 * blocks show) and `blocks` with the fields and the link.
 */
export function slackPayload(notice: RecoveryNotice, link: string | null): object {
  const fields = [
    ["Cluster", `${notice.namespace}/${notice.cluster}`],
    ["Member", String(notice.member)],
    ["Event", notice.event],
    ["Step", notice.step ?? "-"],
    ["Mode", notice.mode],
    ["Attempts", String(notice.attempts)],
  ];
  const recovery = link ? `<${link}|${slackEscape(notice.recovery)}>` : `\`${slackEscape(notice.recovery)}\``;
  const blocks: object[] = [
    {
      type: "section",
      text: {
        type: "mrkdwn",
        text: `*${TITLES[notice.event]}*: ${slackEscape(`${notice.namespace}/${notice.cluster}`)} member ${
          notice.member
        }`,
      },
    },
    {
      type: "section",
      fields: fields.map(([name, value]) => ({ type: "mrkdwn", text: `*${name}*\n${slackEscape(value ?? "")}` })),
    },
  ];
  if (notice.reason)
    blocks.push({ type: "section", text: { type: "mrkdwn", text: `*Why*\n${slackEscape(notice.reason)}` } });
  if (notice.leftChanged)
    blocks.push({
      type: "section",
      text: { type: "mrkdwn", text: `*Left changed*\n${slackEscape(notice.leftChanged)}` },
    });
  blocks.push({
    type: "context",
    elements: [{ type: "mrkdwn", text: `Recovery ${recovery} · ${triggerText(notice)} · ${notice.time}` }],
  });
  return { text: slackEscape(summaryOf(notice)), blocks };
}

/** Slack's mrkdwn escaping: `&`, `<` and `>` only. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** `text` with every one of `secrets` and the user-info of any URL (`//user:password@`) replaced by `[redacted]`. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let clean = text;
  for (const secret of secrets) if (secret.length >= 4) clean = clean.split(secret).join(REDACTED);
  return clean.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, `$1${REDACTED}@`);
}

function cut(text: string): string {
  return text.length <= MAX_TEXT ? text : `${text.slice(0, MAX_TEXT - 1)}…`;
}

/**
 * The pause before attempt `failedAttempts + 1`, ms: `backoffSeconds` doubled per failed attempt, at most
 * `maxBackoffSeconds`, of which a random half (`random` in [0, 1)) is taken off, so that retries of many
 * notifications do not arrive together.
 */
export function retryDelayMs(
  failedAttempts: number,
  retry: { backoffSeconds: number; maxBackoffSeconds: number },
  random: number,
): number {
  const ceiling = Math.min(
    retry.backoffSeconds * 1000 * 2 ** Math.max(0, failedAttempts - 1),
    retry.maxBackoffSeconds * 1000,
  );
  return Math.round(ceiling / 2 + (Math.min(Math.max(random, 0), 1) * ceiling) / 2);
}

/** The longest a notification can take to be sent or given up, ms: every attempt's deadline and every pause. */
export function longestDeliveryMs(settings: {
  timeoutSeconds: number;
  retry: { attempts: number; backoffSeconds: number; maxBackoffSeconds: number };
}): number {
  let total = settings.retry.attempts * settings.timeoutSeconds * 1000;
  for (let failed = 1; failed < settings.retry.attempts; failed++) total += retryDelayMs(failed, settings.retry, 1);
  return total;
}
