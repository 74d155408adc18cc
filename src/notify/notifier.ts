import { EnvHttpProxyAgent, request, type Dispatcher } from "undici";
import type { NotificationEvent, NotificationSettings, NotificationTarget } from "../core/config/types.js";
import { renderLink } from "../core/config/notifications.js";
import type { ClusterCatalog } from "../core/catalog.js";
import type { Logger } from "../core/logger.js";
import type { Metrics } from "../core/metrics.js";
import { systemClock, type Clock } from "../core/clock.js";
import type { RecoveryRecord } from "../queue/recovery-queue.js";
import { noticeFrom, payloadFor, retryDelayMs, type RecoveryNotice } from "./message.js";

/** What became of a notification to one target, as the metrics count it. */
export type NotificationResult = "sent" | "failed" | "dropped";

/** What the notifier works with. */
export interface NotifierOptions {
  /** The targets, each cluster's targets, the deadline, retries, queue size. */
  settings: NotificationSettings;
  /** The clusters, for the etcd passwords no message may carry. */
  catalog?: ClusterCatalog;
  /** The process logger; a child `{ name: "notifier" }` is taken. */
  logger: Logger;
  /** Where sent, failed and dropped notifications are counted; default none. */
  metrics?: Pick<Metrics, "countNotification" | "setNotificationsPending">;
  /** Time and pauses; default the system clock. */
  clock?: Clock;
  /** Random numbers in [0, 1) for the back-off's jitter; default `Math.random`. */
  random?: () => number;
  /** The environment, for `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY`; default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** Tells people about recoveries through webhooks, off the recoveries' path. */
export interface Notifier {
  /**
   * Queues `event` of `record` for each of its cluster's targets that takes the event, and returns at once. Never
   * throws and never waits: sending, retrying and giving up happen in the background.
   */
  notify(event: NotificationEvent, record: RecoveryRecord, extra?: { failures?: number; reason?: string }): void;
  /** Notifications queued or being sent, per target name. */
  pending(): Record<string, number>;
  /**
   * Takes no more notifications, keeps sending what is pending for at most `graceMs`, then aborts what is left
   * (counted as dropped, one log line per target).
   */
  close(graceMs: number): Promise<void>;
}

interface Queued {
  event: NotificationEvent;
  recovery: string;
  body: string;
}

interface TargetQueue {
  target: NotificationTarget;
  items: Queued[];
  /** The notification being sent, if any. */
  current: Queued | undefined;
  /** The drain loop, while one runs. */
  draining: Promise<void> | undefined;
}

/** The answer codes worth another attempt: the receiver is busy, limiting, or broken for now. */
const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/**
 * Creates the notifier: one bounded in-memory queue per target, each sent in order, one request at a time, with a
 * deadline per attempt and exponential back-off with jitter between attempts. When a queue is full the oldest
 * notification is dropped and counted. Logs name the target, never its URL, and say why a send failed without
 * quoting the underlying error (which could carry the address).
 */
export function createNotifier(options: NotifierOptions): Notifier {
  const { settings } = options;
  const logger = options.logger.child({ name: "notifier" });
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const stopping = new AbortController();
  let closed = false;
  const dispatcher = proxyFrom(options.env ?? process.env);
  const secrets = [
    ...settings.targets.map((target) => target.url),
    ...(options.catalog?.clusters.flatMap((cluster) => (cluster.auth ? [cluster.auth.password] : [])) ?? []),
  ];
  const queues = new Map<string, TargetQueue>(
    settings.targets.map((target) => [target.name, { target, items: [], current: undefined, draining: undefined }]),
  );
  const count = (target: string, event: NotificationEvent, result: NotificationResult, n = 1) => {
    try {
      options.metrics?.countNotification({ target, event, result }, n);
    } catch {
      // Metrics never stop a notification.
    }
  };
  const gauge = (queue: TargetQueue) => {
    try {
      options.metrics?.setNotificationsPending(queue.target.name, queue.items.length + (queue.current ? 1 : 0));
    } catch {
      // As above.
    }
  };
  for (const queue of queues.values()) {
    // Zero series up front, so that rate() and increase() have data before the first notification.
    for (const event of queue.target.events)
      for (const result of ["sent", "failed", "dropped"] as const) count(queue.target.name, event, result, 0);
    gauge(queue);
  }

  const drain = async (queue: TargetQueue) => {
    for (let next = queue.items.shift(); next; next = queue.items.shift()) {
      queue.current = next;
      gauge(queue);
      const result = await deliver(queue.target, next);
      queue.current = undefined;
      count(queue.target.name, next.event, result);
      gauge(queue);
    }
  };

  /** Starts the queue's send loop unless one runs; a notification queued as a loop ends starts the next. */
  const startDraining = (queue: TargetQueue) => {
    if (queue.draining || stopping.signal.aborted) return;
    queue.draining = drain(queue)
      .catch((error: unknown) => logger.error({ target: queue.target.name, err: error }, "notification queue stopped"))
      .finally(() => {
        queue.draining = undefined;
        if (queue.items.length > 0) startDraining(queue);
      });
  };

  const deliver = async (target: NotificationTarget, item: Queued): Promise<NotificationResult> => {
    const log = { target: target.name, event: item.event, recovery: item.recovery };
    const began = clock.now();
    for (let attempt = 1; ; attempt++) {
      if (stopping.signal.aborted) return dropAtShutdown(log, attempt - 1);
      const outcome = await sendOnce(target, item.body, settings.timeoutSeconds * 1000, stopping.signal, dispatcher);
      if (outcome.ok) {
        logger.info({ ...log, attempts: attempt, ms: clock.now() - began }, "notification sent");
        return "sent";
      }
      if (stopping.signal.aborted) return dropAtShutdown(log, attempt);
      const last = attempt >= settings.retry.attempts || !outcome.retryable;
      if (last) {
        logger.warn({ ...log, attempts: attempt, problem: outcome.problem }, "notification failed; giving up");
        return "failed";
      }
      let pause = retryDelayMs(attempt, settings.retry, random());
      if (outcome.retryAfterMs !== undefined)
        pause = Math.min(Math.max(pause, outcome.retryAfterMs), settings.retry.maxBackoffSeconds * 1000);
      logger.info(
        { ...log, attempt, problem: outcome.problem, retryInMs: pause },
        "notification attempt failed; retrying",
      );
      await clock.sleep(pause, stopping.signal);
    }
  };

  const dropAtShutdown = (log: Record<string, unknown>, attempts: number): NotificationResult => {
    logger.warn({ ...log, attempts }, "notification dropped: the worker stopped before it was sent");
    return "dropped";
  };

  return {
    notify: (event, record, extra = {}) => {
      try {
        if (closed) {
          logger.warn({ event, recovery: record.id }, "notification dropped: the notifier is closed");
          return;
        }
        const names = settings.clusterTargets[`${record.namespace}/${record.cluster}`] ?? [];
        let notice: RecoveryNotice | undefined;
        for (const name of names) {
          const queue = queues.get(name);
          if (!queue || !queue.target.events.includes(event)) continue;
          notice ??= noticeFrom(event, record, { time: new Date(clock.now()), secrets, ...extra });
          const link = queue.target.linkTemplate
            ? renderLink(queue.target.linkTemplate, {
                id: record.id,
                cluster: record.cluster,
                namespace: record.namespace,
                member: String(record.member),
                event,
              })
            : null;
          const item: Queued = {
            event,
            recovery: record.id,
            body: JSON.stringify(payloadFor(queue.target.format, notice, link)),
          };
          if (queue.items.length >= settings.queueSize) {
            const dropped = queue.items.shift();
            if (dropped) {
              count(name, dropped.event, "dropped");
              logger.warn(
                { target: name, event: dropped.event, recovery: dropped.recovery, queueSize: settings.queueSize },
                "notification dropped: the target's queue is full",
              );
            }
          }
          queue.items.push(item);
          gauge(queue);
          startDraining(queue);
        }
      } catch (error) {
        // Nothing a notification does may reach the recovery.
        logger.error({ err: error, event, recovery: record.id }, "notification not queued");
      }
    },
    pending: () =>
      Object.fromEntries([...queues].map(([name, queue]) => [name, queue.items.length + (queue.current ? 1 : 0)])),
    close: async (graceMs) => {
      closed = true;
      const all = async () => {
        // A loop that ends with notifications queued meanwhile starts the next one; wait for that too.
        while ([...queues.values()].some((queue) => queue.draining !== undefined))
          await Promise.all([...queues.values()].map((queue) => queue.draining ?? Promise.resolve()));
      };
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([all(), new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, graceMs))))]);
      clearTimeout(timer);
      stopping.abort();
      for (const queue of queues.values()) {
        const left = queue.items.splice(0);
        for (const item of left) count(queue.target.name, item.event, "dropped");
        if (left.length > 0)
          logger.warn({ target: queue.target.name, dropped: left.length }, "notifications dropped: the worker stopped");
        gauge(queue);
      }
      await all();
      await dispatcher?.close().catch(() => undefined);
    },
  };
}

/**
 * A dispatcher that sends through the proxy `HTTPS_PROXY` or `HTTP_PROXY` names (either case), except to the hosts
 * `NO_PROXY` names, when one is set: webhooks are often outside a cluster whose egress goes through a proxy. Undefined
 * without a proxy: undici's global dispatcher.
 */
function proxyFrom(env: NodeJS.ProcessEnv): Dispatcher | undefined {
  const set = (name: string) => Boolean(env[name] || env[name.toLowerCase()]);
  if (!set("HTTPS_PROXY") && !set("HTTP_PROXY")) return undefined;
  const pick = (name: string) => env[name] || env[name.toLowerCase()] || undefined;
  const httpsProxy = pick("HTTPS_PROXY");
  const httpProxy = pick("HTTP_PROXY");
  const noProxy = pick("NO_PROXY");
  return new EnvHttpProxyAgent({
    ...(httpProxy ? { httpProxy } : {}),
    ...(httpsProxy ? { httpsProxy } : {}),
    ...(noProxy ? { noProxy } : {}),
  });
}

/** One attempt's outcome. */
type SendOutcome = { ok: true } | { ok: false; retryable: boolean; problem: string; retryAfterMs?: number };

/** Posts `body` to the target once, within `timeoutMs`; never throws, never says the URL. */
async function sendOnce(
  target: NotificationTarget,
  body: string,
  timeoutMs: number,
  stopping: AbortSignal,
  dispatcher: Dispatcher | undefined,
): Promise<SendOutcome> {
  const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), stopping]);
  try {
    const answer = await request(target.url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "etcd-responder" },
      body,
      signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      ...(dispatcher ? { dispatcher } : {}),
    });
    // The answer's body is read and dropped: it may echo what was sent, and it frees the connection.
    await answer.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
    const status = answer.statusCode;
    if (status >= 200 && status < 300) return { ok: true };
    const retryAfterMs = retryAfter(answer.headers["retry-after"]);
    return {
      ok: false,
      retryable: RETRYABLE_STATUS.has(status),
      problem:
        status >= 300 && status < 400
          ? `the receiver answered ${status} (a redirect, not followed: give the webhook's own URL)`
          : `the receiver answered ${status}`,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  } catch (error) {
    return { ok: false, retryable: true, problem: describeSendFailure(error, signal, stopping, timeoutMs) };
  }
}

/** `Retry-After` in seconds (the HTTP date form is ignored), as ms; undefined when absent or unreadable. */
function retryAfter(header: string | string[] | undefined): number | undefined {
  const text = Array.isArray(header) ? header[0] : header;
  if (text === undefined || !/^\d{1,6}$/.test(text.trim())) return undefined;
  return Number(text.trim()) * 1000;
}

/** Why an attempt failed, from the error's codes alone: Node's messages name the address, which is part of the URL. */
export function describeSendFailure(
  error: unknown,
  signal: AbortSignal,
  stopping: AbortSignal,
  timeoutMs: number,
): string {
  if (stopping.aborted) return "the worker is stopping";
  if (signal.aborted) return `no answer within ${timeoutMs} ms`;
  const codes: string[] = [];
  for (let cause: unknown = error, depth = 0; cause && depth < 5; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
    cause = (cause as { cause?: unknown }).cause;
  }
  const code = codes.find((c) => c !== "UND_ERR") ?? (error instanceof Error ? error.name : "unknown");
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "the host name did not resolve";
    case "ECONNRESET":
    case "EPIPE":
    case "UND_ERR_SOCKET":
    case "UND_ERR_CLOSED":
      return "the connection was closed before the answer";
    case "UND_ERR_CONNECT_TIMEOUT":
      return "connecting timed out";
    case "UND_ERR_HEADERS_TIMEOUT":
    case "UND_ERR_BODY_TIMEOUT":
    case "ETIMEDOUT":
      return `no answer within ${timeoutMs} ms`;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "the host is unreachable";
    default:
      return /^(ERR_TLS|CERT|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED)/.test(code)
        ? `TLS failed (${code})`
        : `the request failed (${code})`;
  }
}
