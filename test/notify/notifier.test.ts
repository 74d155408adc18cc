import { randomBytes } from "node:crypto";
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { parseConfig, type ResponderConfig } from "../../src/core/config/load.js";
import { createMetrics, type Metrics } from "../../src/core/metrics.js";
import { createNotifier, type Notifier } from "../../src/notify/notifier.js";
import { createClusterModes } from "../../src/queue/cluster-modes.js";
import { createRecoveryQueue } from "../../src/queue/bullmq-queue.js";
import type { RecoveryQueue, RecoveryRecord } from "../../src/queue/recovery-queue.js";
import { startRecoveryWorkers } from "../../src/queue/workers.js";
import type { RecoveryRunner } from "../../src/queue/process-recovery.js";
import { notificationHooks } from "../../src/service/worker.js";
import { capturingLogger } from "../support/capturing-logger.js";
import { filesFrom } from "../support/config-files.js";
import {
  startNotificationReceiver,
  type NotificationReceiver,
  type ReceivedNotification,
} from "../support/notification-receiver.js";
import { requestFor, scriptedRunner, step, uniquePrefix, waitFor } from "../support/queue.js";
import { redisForTestFile } from "../support/redis-test-file.js";
import { freePort } from "../support/tools.js";

const { redis, closers } = redisForTestFile();

/** A webhook path that stands for the secret part of a real one (Slack's `/services/T…/B…/<token>`). */
function secretPath(): string {
  return `/services/T0001/B0001/${randomBytes(12).toString("hex")}`;
}

interface Target {
  name: string;
  format: "slack" | "json";
  url: string;
  events?: string[];
}

/**
 * A configuration with cluster `a` (3 members) and `b` (1 member) in namespace `etcd`, the targets given (URL
 * files served from memory), and `notifications` settings as YAML lines.
 */
function configWith(targets: Target[], settings: string[] = [], service: string[] = []): ResponderConfig {
  const files: Record<string, string> = {};
  const lines = ["notifications:", "  targets:"];
  for (const target of targets) {
    files[`/secrets/${target.name}`] = `${target.url}\n`;
    lines.push(
      `    - name: ${target.name}`,
      `      format: ${target.format}`,
      `      urlFile: /secrets/${target.name}`,
      `      linkTemplate: "https://responder.example/v1/recoveries/{id}?event={event}"`,
      ...(target.events ? [`      events: [${target.events.join(", ")}]`] : []),
    );
  }
  const text = [
    "clusters:",
    "  - { name: a, namespace: etcd, members: 3 }",
    "  - { name: b, namespace: etcd, members: 1 }",
    "service:",
    ...(service.some((line) => line.startsWith("retry:")) ? [] : ["  retry: { attempts: 1, backoffSeconds: 0.1 }"]),
    ...service.map((line) => `  ${line}`),
    ...lines,
    ...settings.map((line) => `  ${line}`),
    "",
  ].join("\n");
  return parseConfig(text, "test.yaml", { readFile: filesFrom(files) });
}

/** The real queue and workers (Redis, BullMQ) with `run` as each recovery, telling `notifier` through the hooks. */
async function startWorkers(name: string, config: ResponderConfig, run: RecoveryRunner, notifier: Notifier) {
  const prefix = uniquePrefix(name);
  const { logger } = capturingLogger();
  const queue = createRecoveryQueue({ connection: { url: redis.url }, config, prefix, logger });
  const modes = createClusterModes({ connection: { url: redis.url }, config, prefix, logger });
  const workers = await startRecoveryWorkers({
    connection: { url: redis.url },
    config,
    modes,
    run,
    prefix,
    logger,
    hooks: notificationHooks(notifier),
  });
  closers.push(
    () => queue.close(),
    () => modes.close(),
    () => workers.close(),
  );
  return { queue };
}

function notifierFor(config: ResponderConfig, metrics?: Metrics) {
  const log = capturingLogger();
  const notifier = createNotifier({
    settings: config.notifications,
    catalog: config.catalog,
    logger: log.logger,
    ...(metrics ? { metrics } : {}),
  });
  closers.push(() => notifier.close(0));
  return { notifier, lines: log.lines, waitForLine: log.waitFor.bind(log) };
}

/** A plain HTTP forward proxy on loopback (absolute-form requests, as clients send http:// URLs to a proxy). */
async function startForwardProxy(): Promise<{ url: string; forwarded: string[] }> {
  const forwarded: string[] = [];
  const server = createServer((req, res) => {
    const target = new URL(req.url ?? "");
    // The path's secret part is left out of what the test keeps.
    forwarded.push(`${req.method ?? ""} ${target.origin}/${target.pathname.split("/")[1] ?? ""}/`);
    const upstream = httpRequest(target, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, forwarded };
}

async function receiver(options: Parameters<typeof startNotificationReceiver>[0] = {}): Promise<NotificationReceiver> {
  const started = await startNotificationReceiver(options);
  closers.push(() => started.close());
  return started;
}

function finished(queue: RecoveryQueue, id: string) {
  return waitFor(`recovery ${id} to end`, async () => {
    const record = await queue.get(id);
    return record && !["queued", "running"].includes(record.state) ? record : undefined;
  });
}

const manual = { kind: "manual" } as const;
const bodyOf = (n: ReceivedNotification) => n.body as Record<string, unknown>;
const isEvent = (event: string, member?: number) => (n: ReceivedNotification) =>
  bodyOf(n).event === event && (member === undefined || bodyOf(n).member === member);

describe("notifications of recoveries run by the real workers", () => {
  it("tell each target the events it takes, with cluster, member, step, reason, recovery and link", async () => {
    const [json, slack] = [await receiver(), await receiver()];
    const jsonPath = secretPath();
    const slackPath = secretPath();
    const config = configWith(
      [
        { name: "team", format: "json", url: `${json.url}${jsonPath}` },
        { name: "oncall", format: "slack", url: `${slack.url}${slackPath}`, events: ["failed", "breakerTripped"] },
      ],
      [],
      ["circuitBreaker: { failures: 1, windowMinutes: 5 }"],
    );
    const metrics = createMetrics();
    const { notifier, lines } = notifierFor(config, metrics);
    const { run } = scriptedRunner((call) => {
      if (call.cluster === "b") return { outcome: "skipped", reason: "already healthy", steps: [step("diagnose")] };
      if (call.member === 1)
        return { outcome: "succeeded", reason: "recovered example1", steps: [step("diagnose"), step("verify")] };
      if (call.member === 2)
        return {
          outcome: "refused",
          reason: "quorum is lost",
          steps: [step("diagnose"), step("guard", "failed", "quorum")],
          retryable: false,
        };
      return {
        outcome: "failed",
        reason: "step start failed: the new Pod crash-loops",
        steps: [step("stop"), step("start", "failed", "crash-loops")],
        retryable: false,
        leftChanged: "Deployment a-3 is left at 0 replicas",
        error: new Error("crash-loops"),
      };
    });
    const { queue } = await startWorkers("events", config, run, notifier);

    const ids: Record<string, string> = {};
    for (const [cluster, member, key] of [
      ["b", 1, "skipped"],
      ["a", 1, "succeeded"],
      ["a", 2, "refused"],
      ["a", 3, "failed"],
    ] as const) {
      const { id } = await queue.enqueue(requestFor(config, cluster, member, manual));
      ids[key] = id;
      expect((await finished(queue, id)).state).toBe(key);
    }

    await json.waitFor("every event at the JSON target", () => true, { count: 9 });
    const events = json.received.map((n) =>
      [bodyOf(n).event, `${String(bodyOf(n).cluster)}/${String(bodyOf(n).member)}`].join(" "),
    );
    expect(events).toEqual([
      "started b/1",
      "skipped b/1",
      "started a/1",
      "succeeded a/1",
      "started a/2",
      "refused a/2",
      "started a/3",
      "failed a/3",
      "breakerTripped a/3",
    ]);
    for (const n of json.received) {
      expect(n.path).toBe(jsonPath);
      expect(n.contentType).toBe("application/json");
    }
    const [refused] = json.received.filter(isEvent("refused"));
    expect(bodyOf(refused!)).toMatchObject({
      version: 1,
      source: "etcd-responder",
      event: "refused",
      cluster: "a",
      namespace: "etcd",
      member: 2,
      recovery: ids.refused,
      mode: "act",
      trigger: "manual",
      pod: null,
      attempts: 1,
      step: "guard",
      reason: "quorum is lost",
      leftChanged: null,
      failures: null,
      link: `https://responder.example/v1/recoveries/${ids.refused}?event=refused`,
    });
    const [failedOne] = json.received.filter(isEvent("failed"));
    expect(bodyOf(failedOne!)).toMatchObject({
      step: "start",
      reason: "step start failed: the new Pod crash-loops",
      leftChanged: "Deployment a-3 is left at 0 replicas",
    });
    const [tripped] = json.received.filter(isEvent("breakerTripped"));
    expect(bodyOf(tripped!)).toMatchObject({
      cluster: "a",
      member: 3,
      recovery: ids.failed,
      mode: "observe",
      failures: 1,
      reason: "1 failed recovery within 5 min; set the mode back to act after checking the cluster",
    });
    expect(bodyOf(json.received.find(isEvent("succeeded"))!)).toMatchObject({
      step: "verify",
      reason: "recovered example1",
    });
    expect(bodyOf(json.received.find(isEvent("skipped"))!)).toMatchObject({
      step: "diagnose",
      reason: "already healthy",
    });

    // The Slack target takes only failures and trips.
    const slackMessages = await slack.waitFor("the failure and the trip at the Slack target", () => true, { count: 2 });
    expect(slackMessages.map((n) => n.path)).toEqual([slackPath, slackPath]);
    const failure = slackMessages[0]!.body as { text: string; blocks: unknown[] };
    expect(failure.text).toBe(
      "Recovery of member 3 of etcd/a failed at step start: step start failed: the new Pod crash-loops; " +
        "left changed: " +
        "Deployment a-3 is left at 0 replicas",
    );
    expect(JSON.stringify(failure.blocks)).toContain(
      `<https://responder.example/v1/recoveries/${ids.failed}?event=failed|${ids.failed}>`,
    );
    expect((slackMessages[1]!.body as { text: string }).text).toMatch(/^Circuit breaker tripped for etcd\/a/);

    await waitFor("every notification counted", () =>
      Object.values(notifier.pending()).every((n) => n === 0) ? true : undefined,
    );
    const text = await metrics.render();
    expect(text).toMatch(/^etcd_responder_notifications_total\{target="team",event="failed",result="sent"\} 1$/m);
    expect(text).toMatch(/^etcd_responder_notifications_total\{target="team",event="started",result="sent"\} 4$/m);
    expect(text).toMatch(
      /^etcd_responder_notifications_total\{target="oncall",event="breakerTripped",result="sent"\} 1$/m,
    );
    expect(text).toMatch(/^etcd_responder_notifications_total\{target="oncall",event="failed",result="dropped"\} 0$/m);
    expect(text).not.toMatch(/target="oncall",event="started"/);

    const log = JSON.stringify(lines());
    expect(lines().filter((line) => line.msg === "notification sent")).toHaveLength(11);
    for (const secret of [jsonPath, slackPath, json.url, slack.url]) expect(log).not.toContain(secret);
  });

  it("announces a recovery once, however many attempts it takes, and tells only its end", async () => {
    const hook = await receiver();
    const config = configWith(
      [{ name: "team", format: "json", url: `${hook.url}${secretPath()}` }],
      [],
      ["retry: { attempts: 3, backoffSeconds: 0.05 }"],
    );
    const { notifier } = notifierFor(config);
    const { run } = scriptedRunner((call) =>
      call.call < 3
        ? { outcome: "failed", reason: "transient", steps: [step("lock", "failed")], retryable: true }
        : { outcome: "succeeded", reason: "recovered", steps: [step("verify")] },
    );
    const { queue } = await startWorkers("attempts", config, run, notifier);
    const { id } = await queue.enqueue(requestFor(config, "a", 1, manual));
    expect(await finished(queue, id)).toMatchObject({ state: "succeeded", attempts: 3 });
    await hook.waitFor("the end", isEvent("succeeded"));
    expect(hook.received.map((n) => [bodyOf(n).event, bodyOf(n).attempts])).toEqual([
      ["started", 1],
      ["succeeded", 3],
    ]);
  });

  it("retries a receiver that is down (connection refused) and delivers once it is up", async () => {
    const port = await freePort();
    const path = secretPath();
    const config = configWith(
      [{ name: "team", format: "json", url: `http://127.0.0.1:${port}${path}` }],
      ["timeoutSeconds: 1", "retry: { attempts: 20, backoffSeconds: 0.05, maxBackoffSeconds: 0.2 }"],
    );
    const { notifier, lines, waitForLine } = notifierFor(config);
    const { run } = scriptedRunner(() => ({ outcome: "succeeded", reason: "recovered", steps: [step("verify")] }));
    const { queue } = await startWorkers("down", config, run, notifier);

    const { id } = await queue.enqueue(requestFor(config, "a", 2, manual));
    expect((await finished(queue, id)).state).toBe("succeeded");
    await waitForLine("a refused attempt", (line) => line.problem === "connection refused", 10_000);

    const up = await receiver({ port });
    const delivered = await up.waitFor("the succeeded notification after the receiver came up", isEvent("succeeded"));
    expect(delivered[0]!.path).toBe(path);
    expect(bodyOf(delivered[0]!)).toMatchObject({ recovery: id, member: 2 });
    // In order: the start first, though it was the one being retried.
    expect(up.received.map((n) => bodyOf(n).event)).toEqual(["started", "succeeded"]);
    const retries = lines().filter((line) => line.msg === "notification attempt failed; retrying");
    expect(retries.length).toBeGreaterThan(0);
    for (const line of retries) expect(line).toMatchObject({ target: "team", problem: "connection refused" });
    const log = JSON.stringify(lines());
    expect(log).not.toContain(path);
    expect(log).not.toContain(String(port));
  });

  it("never slows a recovery: all end while an unanswering receiver holds the first notification", async () => {
    const slow = await receiver({ behaviour: () => ({ status: 200, delayMs: 60_000 }) });
    const config = configWith(
      [{ name: "team", format: "json", url: `${slow.url}${secretPath()}` }],
      ["timeoutSeconds: 10", "retry: { attempts: 1 }"],
    );
    const { notifier } = notifierFor(config);
    const { run } = scriptedRunner(() => ({ outcome: "succeeded", reason: "recovered", steps: [step("verify")] }));
    const { queue } = await startWorkers("slow", config, run, notifier);

    const records: RecoveryRecord[] = [];
    for (const member of [1, 2, 3]) {
      const { id } = await queue.enqueue(requestFor(config, "a", member, manual));
      records.push(await finished(queue, id));
    }
    expect(records.map((r) => r.state)).toEqual(["succeeded", "succeeded", "succeeded"]);
    // Every recovery ended while the first notification still waits for its answer and the others wait behind it.
    expect(slow.received.map((n) => bodyOf(n).event)).toEqual(["started"]);
    expect(notifier.pending()).toEqual({ team: 6 });
  });
});

describe("the notifier's queue", () => {
  function record(member: number): RecoveryRecord {
    return {
      id: `a-${member}-x-000000`,
      cluster: "a",
      namespace: "etcd",
      member,
      state: "failed",
      mode: "act",
      trigger: { kind: "manual" },
      createdAt: new Date().toISOString(),
      attempts: 1,
      steps: [],
    };
  }

  it("drops the oldest notification when full and counts it, keeping the newest", async () => {
    const held = await receiver({ behaviour: (count) => ({ status: 200, delayMs: count === 0 ? 500 : 0 }) });
    const config = configWith([{ name: "team", format: "json", url: `${held.url}${secretPath()}` }], ["queueSize: 2"]);
    const metrics = createMetrics();
    const { notifier, lines } = notifierFor(config, metrics);
    for (const member of [1, 2, 3, 4]) notifier.notify("failed", record(member));
    expect(notifier.pending()).toEqual({ team: 3 });

    await held.waitFor("the kept notifications", () => true, { count: 3 });
    expect(held.received.map((n) => bodyOf(n).member)).toEqual([1, 3, 4]);
    expect(lines().filter((line) => line.msg === "notification dropped: the target's queue is full")).toEqual([
      expect.objectContaining({ target: "team", event: "failed", recovery: "a-2-x-000000", queueSize: 2 }),
    ]);
    expect(await metrics.render()).toMatch(
      /^etcd_responder_notifications_total\{target="team",event="failed",result="dropped"\} 1$/m,
    );
  });

  it("gives pending sends a bounded grace at shutdown, then drops and counts the rest", async () => {
    const stuck = await receiver({ behaviour: () => ({ status: 200, delayMs: 60_000 }) });
    const config = configWith([{ name: "team", format: "json", url: `${stuck.url}${secretPath()}` }]);
    const metrics = createMetrics();
    const { notifier, lines } = notifierFor(config, metrics);
    for (const member of [1, 2, 3]) notifier.notify("failed", record(member));
    await stuck.waitFor("the first notification", () => true);

    const began = Date.now();
    await notifier.close(300);
    expect(Date.now() - began).toBeLessThan(2000);
    expect(notifier.pending()).toEqual({ team: 0 });
    expect(await metrics.render()).toMatch(
      /^etcd_responder_notifications_total\{target="team",event="failed",result="dropped"\} 3$/m,
    );
    expect(lines().map((line) => line.msg)).toContain("notifications dropped: the worker stopped");
    // Told after the close: dropped at once, nothing sent.
    notifier.notify("failed", record(1));
    expect(stuck.received).toHaveLength(1);
  });

  it("gives each attempt a deadline, and gives up after the configured attempts", async () => {
    const slow = await receiver({ behaviour: () => ({ status: 200, delayMs: 60_000 }) });
    const config = configWith(
      [{ name: "team", format: "json", url: `${slow.url}${secretPath()}` }],
      ["timeoutSeconds: 0.2", "retry: { attempts: 2, backoffSeconds: 0.05 }"],
    );
    const metrics = createMetrics();
    const { notifier, waitForLine } = notifierFor(config, metrics);
    notifier.notify("failed", record(1));
    await waitForLine(
      "the notification given up",
      (line) => line.msg === "notification failed; giving up" && line.problem === "no answer within 200 ms",
    );
    expect(slow.received).toHaveLength(2);
    expect(await metrics.render()).toMatch(
      /^etcd_responder_notifications_total\{target="team",event="failed",result="failed"\} 1$/m,
    );
  });

  it("sends through the proxy HTTP_PROXY names, except to NO_PROXY's hosts", async () => {
    const [hook, proxy] = await Promise.all([receiver(), startForwardProxy()]);
    const config = configWith([{ name: "team", format: "json", url: `${hook.url}${secretPath()}` }]);
    const { logger } = capturingLogger();
    const viaProxy = createNotifier({ settings: config.notifications, logger, env: { HTTP_PROXY: proxy.url } });
    closers.push(() => viaProxy.close(0));
    viaProxy.notify("failed", record(1));
    await hook.waitFor("the notification through the proxy", () => true);
    expect(proxy.forwarded).toEqual([`POST ${hook.url}/services/`]);

    const direct = createNotifier({
      settings: config.notifications,
      logger,
      env: { http_proxy: proxy.url, no_proxy: "127.0.0.1" },
    });
    closers.push(() => direct.close(0));
    direct.notify("failed", record(2));
    await hook.waitFor("the notification past the proxy", () => true, { count: 2 });
    expect(proxy.forwarded).toHaveLength(1);
  });

  it("does not retry an answer that another attempt cannot change (4xx), and says the status", async () => {
    const gone = await receiver({ behaviour: () => ({ status: 404 }) });
    const config = configWith([{ name: "team", format: "json", url: `${gone.url}${secretPath()}` }]);
    const { notifier, waitForLine } = notifierFor(config);
    notifier.notify("failed", record(1));
    await waitForLine(
      "the failure",
      (line) => line.msg === "notification failed; giving up" && line.problem === "the receiver answered 404",
    );
    expect(gone.received).toHaveLength(1);
  });
});
