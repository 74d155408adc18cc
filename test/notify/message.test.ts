import { describe, expect, it } from "vitest";
import {
  jsonPayload,
  longestDeliveryMs,
  noticeFrom,
  retryDelayMs,
  scrubSecrets,
  slackEscape,
  slackPayload,
  summaryOf,
} from "../../src/notify/message.js";
import type { RecoveryRecord } from "../../src/queue/recovery-queue.js";
import { parseConfig } from "../../src/core/config/load.js";
import { capturingLogger } from "../support/capturing-logger.js";
import { filesFrom } from "../support/config-files.js";
import { step } from "../support/queue.js";

const TIME = new Date("2026-12-06T03:04:05.000Z");

function record(fields: Partial<RecoveryRecord> = {}): RecoveryRecord {
  return {
    id: "example-3-mf2k9x1a-4be01c",
    cluster: "example",
    namespace: "default",
    member: 3,
    state: "running",
    mode: "act",
    trigger: {
      kind: "alert",
      alertname: "KubePodCrashLooping",
      fingerprint: "4f1c2a9be07d3c61",
      receiver: "etcd-responder",
      pod: "example-3-7c5cbf66cd-th7zw",
    },
    createdAt: TIME.toISOString(),
    attempts: 1,
    steps: [],
    ...fields,
  };
}

describe("the notice of a recovery event", () => {
  it("says where a failure stopped and why, with the state it left the member in", () => {
    const failed = record({
      state: "failed",
      attempts: 2,
      steps: [step("permissions"), step("lock"), step("start", "failed", "Pod crash-loops")],
      reason: "step start failed: the new Pod crash-loops",
      leftChanged: "Deployment example-3 is left at 0 replicas",
    });
    expect(noticeFrom("failed", failed, { time: TIME })).toEqual({
      event: "failed",
      time: "2026-12-06T03:04:05.000Z",
      cluster: "example",
      namespace: "default",
      member: 3,
      recovery: "example-3-mf2k9x1a-4be01c",
      mode: "act",
      trigger: "alert",
      pod: "example-3-7c5cbf66cd-th7zw",
      attempts: 2,
      step: "start",
      reason: "step start failed: the new Pod crash-loops",
      leftChanged: "Deployment example-3 is left at 0 replicas",
      failures: null,
    });
  });

  it("names no step nor reason when a recovery starts, and the last step when it ends well", () => {
    expect(noticeFrom("started", record({ steps: [step("lock")] }), { time: TIME })).toMatchObject({
      step: null,
      reason: null,
      leftChanged: null,
    });
    const done = record({ state: "succeeded", steps: [step("diagnose"), step("verify")], reason: "recovered" });
    expect(noticeFrom("succeeded", done, { time: TIME })).toMatchObject({ step: "verify", reason: "recovered" });
    const manual = record({ trigger: { kind: "manual" } });
    expect(noticeFrom("started", manual, { time: TIME })).toMatchObject({ trigger: "manual", pod: null });
  });

  it("gives a tripped breaker the failures counted, its reason and the observe mode", () => {
    const failed = record({ state: "failed", steps: [step("lock", "failed")], reason: "step lock failed" });
    expect(
      noticeFrom("breakerTripped", failed, { time: TIME, failures: 3, reason: "3 failed recoveries within 60 min" }),
    ).toMatchObject({
      event: "breakerTripped",
      mode: "observe",
      failures: 3,
      step: "lock",
      reason: "3 failed recoveries within 60 min",
    });
  });

  it("leaves secrets and URL credentials out of its texts, and cuts long ones", () => {
    const url = "https://hooks.slack.com/services/T000/B000/XXXXSECRET";
    const leaky = record({
      state: "failed",
      reason: `posting to ${url} failed; etcd at https://root:hunter22@etcd:2379 said no; password hunter22`,
    });
    const notice = noticeFrom("failed", leaky, { time: TIME, secrets: [url, "hunter22"] });
    expect(notice.reason).toBe(
      "posting to [redacted] failed; etcd at https://[redacted]@etcd:2379 said no; password [redacted]",
    );
    const long = noticeFrom("failed", record({ reason: "x".repeat(5000) }), { time: TIME });
    expect(long.reason).toHaveLength(1500);
    // A secret shorter than 4 characters would blank ordinary words; none is that short.
    expect(scrubSecrets("a b", ["b"])).toBe("a b");
  });
});

describe("the generic JSON object", () => {
  it("has every field in a fixed order, null where it does not apply, the link and a summary", () => {
    const refused = record({ state: "refused", steps: [step("guard", "failed")], reason: "quorum is lost" });
    const payload = jsonPayload(noticeFrom("refused", refused, { time: TIME }), "https://r.example/v1/recoveries/x");
    expect(Object.keys(payload)).toEqual([
      "version",
      "source",
      "event",
      "time",
      "cluster",
      "namespace",
      "member",
      "recovery",
      "mode",
      "trigger",
      "pod",
      "attempts",
      "step",
      "reason",
      "leftChanged",
      "failures",
      "link",
      "summary",
    ]);
    expect(payload).toMatchObject({
      version: 1,
      source: "etcd-responder",
      event: "refused",
      link: "https://r.example/v1/recoveries/x",
      summary: "Recovery of member 3 of default/example refused at step guard, nothing was changed: quorum is lost",
    });
  });

  it("sums up each event in one line", () => {
    const base = { time: TIME };
    expect(summaryOf(noticeFrom("started", record(), base))).toBe(
      "Recovery of member 3 of default/example started, from an alert for Pod example-3-7c5cbf66cd-th7zw",
    );
    expect(summaryOf(noticeFrom("succeeded", record({ reason: "member back" }), base))).toBe(
      "Recovered member 3 of default/example: member back",
    );
    expect(summaryOf(noticeFrom("succeeded", record({ mode: "observe" }), base))).toMatch(/^Planned the recovery/);
    expect(summaryOf(noticeFrom("skipped", record({ reason: "already healthy" }), base))).toBe(
      "Recovery of member 3 of default/example skipped: already healthy",
    );
    expect(
      summaryOf(
        noticeFrom(
          "failed",
          record({ reason: "boom", leftChanged: "at 0 replicas", steps: [step("stop", "failed")] }),
          base,
        ),
      ),
    ).toBe("Recovery of member 3 of default/example failed at step stop: boom; left changed: at 0 replicas");
    expect(summaryOf(noticeFrom("breakerTripped", record(), { ...base, reason: "2 failed" }))).toBe(
      "Circuit breaker tripped for default/example: it is in observe mode now: 2 failed",
    );
  });
});

describe("the Slack message", () => {
  it("is incoming-webhook JSON: text, and blocks with the fields, the reason and the linked recovery", () => {
    const failed = record({ state: "failed", steps: [step("add", "failed")], reason: "a <b> & c" });
    const payload = slackPayload(noticeFrom("failed", failed, { time: TIME }), "https://r.example/v1/recoveries/x") as {
      text: string;
      blocks: { type: string; text?: { text: string }; fields?: { text: string }[]; elements?: { text: string }[] }[];
    };
    expect(payload.text).toBe("Recovery of member 3 of default/example failed at step add: a &lt;b&gt; &amp; c");
    expect(payload.blocks.map((block) => block.type)).toEqual(["section", "section", "section", "context"]);
    expect(payload.blocks[0]?.text?.text).toBe("*:x: etcd recovery failed*: default/example member 3");
    expect(payload.blocks[1]?.fields?.map((field) => field.text)).toEqual([
      "*Cluster*\ndefault/example",
      "*Member*\n3",
      "*Event*\nfailed",
      "*Step*\nadd",
      "*Mode*\nact",
      "*Attempts*\n1",
    ]);
    expect(payload.blocks[2]?.text?.text).toBe("*Why*\na &lt;b&gt; &amp; c");
    expect(payload.blocks[3]?.elements?.[0]?.text).toContain(
      "<https://r.example/v1/recoveries/x|example-3-mf2k9x1a-4be01c>",
    );
    expect(slackEscape("<&>")).toBe("&lt;&amp;&gt;");
  });
});

describe("the back-off between attempts", () => {
  const retry = { backoffSeconds: 1, maxBackoffSeconds: 8 };

  it("doubles per failed attempt up to the longest pause, and takes off at most half at random", () => {
    expect([1, 2, 3, 4, 5, 6].map((failed) => retryDelayMs(failed, retry, 0.9999999))).toEqual([
      1000, 2000, 4000, 8000, 8000, 8000,
    ]);
    expect([1, 2, 3, 4, 5].map((failed) => retryDelayMs(failed, retry, 0))).toEqual([500, 1000, 2000, 4000, 4000]);
    expect(retryDelayMs(2, retry, 0.5)).toBe(1500);
  });

  it("bounds the whole delivery: every attempt's deadline and every pause", () => {
    expect(longestDeliveryMs({ timeoutSeconds: 5, retry: { attempts: 5, ...retry } })).toBe(
      5 * 5000 + 1000 + 2000 + 4000 + 8000,
    );
    expect(longestDeliveryMs({ timeoutSeconds: 2, retry: { attempts: 1, ...retry } })).toBe(2000);
  });
});

describe("the log's redaction of webhook URLs", () => {
  it("redacts a field that could carry one, and a target logged whole", () => {
    const { logger, lines } = capturingLogger();
    const url = "https://hooks.slack.com/services/T000/B000/XXXXSECRET";
    const config = parseConfig(
      "clusters: [{ name: a, members: 1 }]\nnotifications:\n  targets: [{ name: t, format: slack, urlFile: /u }]\n",
      "test.yaml",
      { readFile: filesFrom({ "/u": url }) },
    );
    logger.info({ url, target: { url }, webhookURL: url, targets: config.notifications.targets }, "line");
    expect(JSON.stringify(lines())).not.toContain("XXXXSECRET");
    expect(lines()[0]).toMatchObject({ url: "[redacted]", target: { url: "[redacted]" }, webhookURL: "[redacted]" });
  });
});
