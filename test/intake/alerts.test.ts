import { briefRequest } from "../support/in-memory-queue.js";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { payload, firingAlert, notification } from "../support/alertmanager-payloads.js";
import { errorOf } from "../support/api-bodies.js";
import { BEARER, intakeHarness } from "../support/intake-harness.js";
import { classifyAlert, type AlertsAnswer } from "../../src/intake/alerts.js";

// HTTP-contract tests over the in-memory queue and modes of ./fixtures.

describe("POST /v1/alerts", () => {
  it("queues the firing crash-loop alerts of a real v4 notification and ignores the resolved one", async () => {
    const { app, queue } = intakeHarness();
    const answer = await request(app)
      .post("/v1/alerts")
      .set("Authorization", BEARER)
      .send(payload("alertmanager-v4-crashloop"));
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({
      enqueued: [
        { id: "recovery-1", cluster: "example", namespace: "default", member: 3 },
        { id: "recovery-2", cluster: "main", namespace: "prod", member: 2 },
      ],
      deduplicated: 0,
      ignored: 1,
    });
    expect(queue.requests.map(briefRequest)).toEqual([
      {
        cluster: "example",
        namespace: "default",
        member: 3,
        expectedMode: "act",
        trigger: {
          kind: "alert",
          alertname: "KubePodCrashLooping",
          fingerprint: "9c5e3b1f2a7d4e60",
          receiver: "etcd-responder",
          pod: "example-3-7d9f8b6c4d-x2k4q",
          startsAt: "2025-03-14T09:26:53.000Z",
        },
      },
      {
        cluster: "main",
        namespace: "prod",
        member: 2,
        expectedMode: "act",
        trigger: {
          kind: "alert",
          alertname: "KubePodCrashLooping",
          fingerprint: "77aa01c3e9b2d4f5",
          receiver: "etcd-responder",
          pod: "main-2-5f6d7c8b9-mzk7h",
          startsAt: expect.any(String) as string,
        },
      },
    ]);
  });

  it("ignores other alert names", async () => {
    const { app, queue } = intakeHarness();
    const answer = await request(app).post("/v1/alerts").set("Authorization", BEARER).send(payload("other-alertnames"));
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ enqueued: [], deduplicated: 0, ignored: 3 });
    expect(queue.requests).toEqual([]);
  });

  it("queues other alert names when they are configured", async () => {
    const { app } = intakeHarness({ alertNames: ["KubePodNotReady"] });
    const answer = await request(app).post("/v1/alerts").set("Authorization", BEARER).send(payload("other-alertnames"));
    expect(answer.body).toEqual({
      enqueued: [{ id: "recovery-1", cluster: "example", namespace: "default", member: 3 }],
      deduplicated: 0,
      ignored: 2,
    });
  });

  it("ignores Pods in unknown namespaces, Pods of no member, and members a cluster does not have", async () => {
    const { app, queue } = intakeHarness();
    const answer = await request(app)
      .post("/v1/alerts")
      .set("Authorization", BEARER)
      .send(payload("unknown-namespaces"));
    expect(answer.body).toEqual({ enqueued: [], deduplicated: 0, ignored: 4 });
    expect(queue.requests).toEqual([]);
  });

  it("queues one recovery for a notification sent by two Alertmanager replicas", async () => {
    const { app, queue } = intakeHarness();
    const ha = payload("ha-duplicate");
    const first = await request(app).post("/v1/alerts").set("Authorization", BEARER).send(ha);
    expect(first.body).toEqual({
      enqueued: [{ id: "recovery-1", cluster: "example", namespace: "default", member: 3 }],
      deduplicated: 2,
      ignored: 0,
    });
    const second = await request(app).post("/v1/alerts").set("Authorization", BEARER).send(ha);
    expect(second.status).toBe(202);
    expect(second.body).toEqual({ enqueued: [], deduplicated: 3, ignored: 0 });
    // The repeat is answered by the look for a joinable recovery; nothing more is asked of the queue.
    expect(queue.requests).toHaveLength(1);
    expect((await queue.list({})).map((r) => r.id)).toEqual(["recovery-1"]);
  });

  it("turns 1000 copies of one alert into one enqueue", async () => {
    const { app, queue, metrics } = intakeHarness();
    const alerts = Array.from({ length: 1000 }, () => firingAlert("default", "example-2-7d9f8b6c4d-x2k4q"));
    const answer = await request(app).post("/v1/alerts").set("Authorization", BEARER).send(notification(alerts));
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({
      enqueued: [{ id: "recovery-1", cluster: "example", namespace: "default", member: 2 }],
      deduplicated: 999,
      ignored: 0,
    });
    expect(queue.requests).toHaveLength(1);
    const text = await metrics.render();
    expect(text).toContain('etcd_responder_alerts_total{result="enqueued"} 1');
    expect(text).toContain('etcd_responder_alerts_total{result="deduplicated"} 999');
  });

  it("maps a Pod name from the past to its member", async () => {
    const { app, queue } = intakeHarness({
      readPodLabels: () => Promise.reject(new Error("the name convention should have answered")),
    });
    const answer = await request(app)
      .post("/v1/alerts")
      .set("Authorization", BEARER)
      .send(notification([firingAlert("default", "example-4-5c8b7f9d6-p9w2z")]));
    expect((answer.body as AlertsAnswer).enqueued).toEqual([
      { id: "recovery-1", cluster: "example", namespace: "default", member: 4 },
    ]);
    expect(queue.requests[0]?.trigger).toMatchObject({ pod: "example-4-5c8b7f9d6-p9w2z" });
  });

  it("maps a Pod by its labels when the name says nothing", async () => {
    const { app } = intakeHarness({
      readPodLabels: (namespace) =>
        Promise.resolve(
          new Map(
            namespace === "prod"
              ? [["etcd-renamed", { "etcd.responder.io/cluster": "main", "etcd.responder.io/member": "1" }]]
              : [],
          ),
        ),
    });
    const answer = await request(app)
      .post("/v1/alerts")
      .set("Authorization", BEARER)
      .send(notification([firingAlert("prod", "etcd-renamed"), firingAlert("prod", "gone-pod")]));
    expect(answer.body).toEqual({
      enqueued: [{ id: "recovery-1", cluster: "main", namespace: "prod", member: 1 }],
      deduplicated: 0,
      ignored: 1,
    });
  });

  it("ignores alerts about a paused cluster, but queues for clusters in observe mode", async () => {
    const { app, queue, modes } = intakeHarness();
    await modes.set({ namespace: "default", name: "example" }, "paused", "api", "maintenance");
    await modes.set({ namespace: "prod", name: "main" }, "observe", "circuit-breaker");
    const answer = await request(app)
      .post("/v1/alerts")
      .set("Authorization", BEARER)
      .send(payload("alertmanager-v4-crashloop"));
    expect(answer.body).toEqual({
      enqueued: [{ id: "recovery-1", cluster: "main", namespace: "prod", member: 2 }],
      deduplicated: 0,
      ignored: 2,
    });
    expect(queue.requests.map((r) => r.target.cluster.name)).toEqual(["main"]);
  });

  it("accepts a notification with unknown fields, no alert status and no fingerprint", async () => {
    const { app, queue } = intakeHarness();
    const answer = await request(app)
      .post("/v1/alerts")
      .set("Authorization", BEARER)
      .send({
        status: "firing",
        futureField: { nested: [1, 2] },
        alerts: [
          {
            labels: { alertname: "KubePodCrashLooping", namespace: "default", pod: "example-1-7d9f8b6c4d-x2k4q" },
            extra: true,
          },
        ],
      });
    expect(answer.status).toBe(202);
    expect((answer.body as AlertsAnswer).enqueued).toHaveLength(1);
    expect(queue.requests[0]?.trigger).toEqual({
      kind: "alert",
      alertname: "KubePodCrashLooping",
      fingerprint: "",
      receiver: "",
      pod: "example-1-7d9f8b6c4d-x2k4q",
    });
  });

  it("counts every alert once, in the answer and in the metrics", async () => {
    const { app, metrics } = intakeHarness();
    await request(app).post("/v1/alerts").set("Authorization", BEARER).send(payload("alertmanager-v4-crashloop"));
    await request(app).post("/v1/alerts").set("Authorization", BEARER).send(payload("ha-duplicate"));
    const text = await metrics.render();
    expect(text).toContain('etcd_responder_alerts_total{result="enqueued"} 2');
    expect(text).toContain('etcd_responder_alerts_total{result="deduplicated"} 3');
    expect(text).toContain('etcd_responder_alerts_total{result="ignored"} 1');
  });

  it("answers 400 naming the field when the shape it needs is missing", async () => {
    const { app } = intakeHarness();
    const cases: [unknown, string][] = [
      [{}, "invalid Alertmanager notification: alerts: expected a list of alerts"],
      [{ alerts: {} }, "alerts: expected a list of alerts"],
      [{ alerts: [1] }, "alerts[0]: "],
      [{ alerts: [{}] }, "alerts[0].labels: expected an object of strings"],
      [{ alerts: [{ labels: { pod: 5 } }] }, "alerts[0].labels.pod: expected a string"],
      [{ alerts: [{ labels: {}, status: 1 }] }, "alerts[0].status: expected a string"],
      [{ alerts: [], receiver: ["x"] }, "receiver: expected a string"],
      [[], "expected a JSON object"],
    ];
    for (const [body, message] of cases) {
      const answer = await request(app)
        .post("/v1/alerts")
        .set("Authorization", BEARER)
        .send(body as object);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(errorOf(answer.body)).toContain(message);
    }
  });
});

const NAMES = ["KubePodCrashLooping"];
const alert = (labels: Record<string, string>, extra: { status?: string; fingerprint?: string } = {}) => ({
  labels,
  ...extra,
});
const crashLoop = { alertname: "KubePodCrashLooping", namespace: "default", pod: "example-3-7d9f8b6c4d-x2k4q" };

describe("classifyAlert", () => {
  it("makes a candidate of a firing crash-loop alert about a Pod", () => {
    expect(classifyAlert(alert(crashLoop, { status: "firing", fingerprint: "abc" }), "firing", NAMES)).toEqual({
      kind: "candidate",
      alertname: "KubePodCrashLooping",
      namespace: "default",
      pod: "example-3-7d9f8b6c4d-x2k4q",
      fingerprint: "abc",
    });
  });

  it("ignores resolved alerts and unknown statuses", () => {
    expect(classifyAlert(alert(crashLoop, { status: "resolved" }), "firing", NAMES)).toEqual({
      kind: "ignored",
      reason: "not-firing",
    });
    expect(classifyAlert(alert(crashLoop, { status: "pending" }), "firing", NAMES)).toEqual({
      kind: "ignored",
      reason: "not-firing",
    });
  });

  it("falls back to the notification's status when the alert has none", () => {
    expect(classifyAlert(alert(crashLoop), "firing", NAMES).kind).toBe("candidate");
    expect(classifyAlert(alert(crashLoop), "resolved", NAMES)).toEqual({ kind: "ignored", reason: "not-firing" });
    expect(classifyAlert(alert(crashLoop), undefined, NAMES)).toEqual({ kind: "ignored", reason: "not-firing" });
  });

  it("ignores other alert names, and follows the configured list", () => {
    const other = { ...crashLoop, alertname: "KubePodNotReady" };
    expect(classifyAlert(alert(other, { status: "firing" }), "firing", NAMES)).toEqual({
      kind: "ignored",
      reason: "other-alertname",
    });
    expect(classifyAlert(alert(other, { status: "firing" }), "firing", ["KubePodNotReady"]).kind).toBe("candidate");
    expect(classifyAlert(alert({ namespace: "default", pod: "p" }, { status: "firing" }), "firing", NAMES).kind).toBe(
      "ignored",
    );
  });

  it("ignores alerts without a namespace or Pod", () => {
    expect(
      classifyAlert(
        alert({ alertname: "KubePodCrashLooping", namespace: "default" }, { status: "firing" }),
        "firing",
        NAMES,
      ),
    ).toEqual({
      kind: "ignored",
      reason: "no-pod",
    });
    expect(classifyAlert(alert({ ...crashLoop, pod: "" }, { status: "firing" }), "firing", NAMES).kind).toBe("ignored");
  });

  it("reads own labels only", () => {
    const labels = Object.create({ alertname: "KubePodCrashLooping", namespace: "default", pod: "p" }) as Record<
      string,
      string
    >;
    expect(classifyAlert(alert(labels, { status: "firing" }), "firing", NAMES).kind).toBe("ignored");
  });
});
