import express from "express";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { httpLogging, UNMATCHED_ROUTE } from "../../src/intake/request-log.js";
import { createMetrics } from "../../src/core/metrics.js";
import { capturingLogger } from "../support/capturing-logger.js";
import { payload } from "../support/alertmanager-payloads.js";
import { BASIC, BEARER, intakeHarness, TOKEN } from "../support/intake-harness.js";

function app() {
  const { logger, lines } = capturingLogger();
  const metrics = createMetrics();
  const server = express();
  server.use(httpLogging({ logger, metrics }));
  server.get("/items/:id", (_request, response) => {
    response.status(200).json({ ok: true });
  });
  server.get("/healthz", (_request, response) => {
    response.status(200).json({ status: "ok" });
  });
  server.get("/broken", (_request, response) => {
    response.locals.problem = "the item is gone";
    response.status(410).json({ error: "the item is gone" });
  });
  return { server, lines, metrics };
}

describe("httpLogging", () => {
  it("logs the route template with status and duration, and counts the request", async () => {
    const { server, lines, metrics } = app();
    await request(server).get("/items/42?secret=no").set("Authorization", "Bearer hidden");
    const [line] = lines();
    expect(line).toMatchObject({
      level: "info",
      msg: "request",
      method: "GET",
      route: "/items/:id",
      path: "/items/42",
      status: 200,
    });
    expect(JSON.stringify(lines())).not.toContain("hidden");
    expect(JSON.stringify(lines())).not.toContain("secret=no");
    expect(await metrics.render()).toContain(
      'etcd_responder_http_requests_total{route="/items/:id",method="GET",code="200"} 1',
    );
  });

  it("labels unmatched paths with one value, logs probes at debug and adds the problem of a refusal", async () => {
    const { server, lines } = app();
    await request(server).get("/random/path/123");
    await request(server).get("/healthz");
    await request(server).get("/broken");
    expect(lines().map((l) => [l.level, l.route, l.problem])).toEqual([
      ["info", UNMATCHED_ROUTE, undefined],
      ["debug", "/healthz", undefined],
      ["info", "/broken", "the item is gone"],
    ]);
  });
});

// HTTP-contract tests over the in-memory queue and modes of ./fixtures.

describe("request logging", () => {
  it("logs one line per request with method, route, path, status and duration, and no headers or body", async () => {
    const { app, lines } = intakeHarness();
    await request(app).post("/v1/recoveries").set("Authorization", BEARER).send({ cluster: "example", member: 2 });
    const requestLines = lines().filter((line) => line.msg === "request");
    expect(requestLines).toHaveLength(1);
    const [line] = requestLines;
    expect(line).toMatchObject({
      level: "info",
      name: "intake",
      method: "POST",
      route: "/v1/recoveries",
      path: "/v1/recoveries",
      status: 202,
    });
    expect(line?.durationMs).toEqual(expect.any(Number));
    expect(Object.keys(line ?? {}).sort()).toEqual([
      "durationMs",
      "level",
      "method",
      "msg",
      "name",
      "path",
      "route",
      "status",
      "time",
    ]);
  });

  it("logs the route template, not the raw path, and unknown paths as unmatched", async () => {
    const { app, lines, metrics } = intakeHarness();
    await request(app).get("/v1/recoveries/some-id").set("Authorization", BEARER);
    await request(app).get("/no/such/path");
    const routes = lines()
      .filter((line) => line.msg === "request")
      .map((line) => line.route);
    expect(routes).toEqual(["/v1/recoveries/:id", "unmatched"]);
    const text = await metrics.render();
    expect(text).toContain('etcd_responder_http_requests_total{route="/v1/recoveries/:id",method="GET",code="404"} 1');
    expect(text).toContain('etcd_responder_http_requests_total{route="unmatched",method="GET",code="404"} 1');
  });

  it("says why a request was refused, without quoting the body", async () => {
    const { app, lines } = intakeHarness();
    await request(app)
      .post("/v1/alerts")
      .set("Authorization", BEARER)
      .send({ alerts: [{ labels: "secret-looking" }] });
    await request(app)
      .post("/v1/alerts")
      .set("Authorization", BEARER)
      .set("Content-Type", "application/json")
      .send('{"secret-looking": ');
    const problems = lines()
      .filter((line) => line.msg === "request")
      .map((line) => line.problem);
    expect(problems).toEqual([
      "invalid Alertmanager notification: alerts[0].labels: expected an object of strings",
      "invalid JSON",
    ]);
    expect(JSON.stringify(lines())).not.toContain("secret-looking");
  });

  it("never writes credentials to the log, not even on failures", async () => {
    const { app, lines, queue } = intakeHarness();
    await request(app).get("/v1/clusters").set("Authorization", BEARER);
    await request(app).get("/v1/clusters").set("Authorization", `Bearer ${TOKEN}-wrong`);
    await request(app)
      .get("/v1/clusters")
      .set("Authorization", `Basic ${Buffer.from(`${BASIC.username}:${BASIC.password}`).toString("base64")}`);
    queue.failWith = new TypeError("unexpected");
    await request(app).get("/v1/recoveries").set("Authorization", BEARER);
    const text = JSON.stringify(lines());
    expect(lines().length).toBeGreaterThanOrEqual(4);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(BASIC.password);
    expect(text).not.toContain(Buffer.from(`${BASIC.username}:${BASIC.password}`).toString("base64"));
    expect(text.toLowerCase()).not.toContain('authorization":');
  });

  it("logs each queued recovery and a summary of the notification", async () => {
    const { app, lines } = intakeHarness();
    await request(app).post("/v1/alerts").set("Authorization", BEARER).send(payload("alertmanager-v4-crashloop"));
    expect(lines()).toContainEqual(
      expect.objectContaining({
        msg: "recovery queued",
        id: "recovery-1",
        cluster: "example",
        namespace: "default",
        member: 3,
        pod: "example-3-7d9f8b6c4d-x2k4q",
      }),
    );
    expect(lines()).toContainEqual(
      expect.objectContaining({
        msg: "notification received",
        receiver: "etcd-responder",
        alerts: 3,
        enqueued: 2,
        deduplicated: 0,
        ignored: { "not-firing": 1 },
      }),
    );
  });

  it("logs an accepted notification once, by its summary line; a refused one by its request line", async () => {
    const { app, lines } = intakeHarness();
    await request(app).post("/v1/alerts").set("Authorization", BEARER).send(payload("alertmanager-v4-crashloop"));
    const info = lines().filter(
      (line) => line.level === "info" && (line.msg === "request" || line.msg === "notification received"),
    );
    expect(info.map((line) => line.msg)).toEqual(["notification received"]);
    expect(lines().find((line) => line.msg === "request")).toMatchObject({
      level: "debug",
      route: "/v1/alerts",
      status: 202,
    });

    await request(app).post("/v1/alerts").set("Authorization", BEARER).send({ alerts: "none" });
    expect(
      lines()
        .filter((line) => line.msg === "request")
        .at(-1),
    ).toMatchObject({ level: "info", route: "/v1/alerts", status: 400 });
  });

  it("logs a notification whose alerts all join queued recoveries at debug, and still counts them", async () => {
    const { app, lines, metrics } = intakeHarness();
    for (let i = 0; i < 2; i++)
      await request(app).post("/v1/alerts").set("Authorization", BEARER).send(payload("ha-duplicate"));
    const notifications = lines().filter((line) => line.msg === "notification received");
    expect(notifications.map((line) => [line.level, line.enqueued, line.deduplicated])).toEqual([
      ["info", 1, 2],
      ["debug", 0, 3],
    ]);
    expect(await metrics.render()).toContain('etcd_responder_alerts_total{result="deduplicated"} 5');
  });

  it("logs a notification that queues nothing, its alerts ignored, at debug, and still counts them", async () => {
    const { app, lines, metrics } = intakeHarness();
    await request(app).post("/v1/alerts").set("Authorization", BEARER).send(payload("unknown-namespaces"));
    await request(app).post("/v1/alerts").set("Authorization", BEARER).send(payload("other-alertnames"));
    const notifications = lines().filter((line) => line.msg === "notification received");
    expect(notifications).toHaveLength(2);
    for (const line of notifications) expect(line).toMatchObject({ level: "debug", enqueued: 0 });
    expect(lines().filter((line) => line.level === "info")).toEqual([]);
    expect(await metrics.render()).toMatch(/etcd_responder_alerts_total\{result="ignored"\} [1-9]/);
  });

  it("logs probes at debug so they do not flood the log", async () => {
    const { app, lines } = intakeHarness();
    await request(app).get("/healthz");
    expect(lines().find((line) => line.route === "/healthz")).toMatchObject({ level: "debug", status: 200 });
  });
});
