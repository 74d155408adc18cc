import { gzipSync } from "node:zlib";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { DeadlineExceededError, NotConfiguredError, UnsafeRecoveryError } from "../../src/core/errors.js";
import { MAX_BODY_BYTES } from "../../src/intake/http.js";
import { firingAlert, notification, payload } from "../support/alertmanager-payloads.js";
import { errorOf } from "../support/api-bodies.js";
import { BASIC, BEARER, intakeHarness, TOKEN } from "../support/intake-harness.js";
import { FlakyBackendError, queueUnavailable } from "../support/in-memory-queue.js";
import { rawRequest } from "../support/raw-request.js";

// HTTP-contract tests over the in-memory queue and modes of ./fixtures.

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

/** Every /v1 route, with a body that would be accepted. */
const V1_ROUTES: { method: "get" | "post" | "put"; path: string; body?: object }[] = [
  { method: "post", path: "/v1/alerts", body: notification([]) },
  { method: "post", path: "/v1/recoveries", body: { cluster: "example", member: 1 } },
  { method: "get", path: "/v1/recoveries" },
  { method: "get", path: "/v1/recoveries/recovery-1" },
  { method: "get", path: "/v1/clusters" },
  { method: "put", path: "/v1/clusters/example/mode", body: { mode: "act" } },
];

describe("credentials", () => {
  it("answers 401 with WWW-Authenticate on every /v1 route without or with wrong credentials", async () => {
    const { app, queue } = intakeHarness();
    for (const route of V1_ROUTES) {
      for (const header of [
        undefined,
        "Bearer wrong",
        `Bearer ${TOKEN}x`,
        `Token ${TOKEN}`,
        basic(BASIC.username, "nope"),
        basic("x", TOKEN),
      ]) {
        let call = request(app)[route.method](route.path);
        if (header) call = call.set("Authorization", header);
        const answer = await (route.body ? call.send(route.body) : call);
        expect(answer.status, `${route.method} ${route.path} ${header}`).toBe(401);
        expect(answer.body).toEqual({ error: "missing or invalid credentials: send Authorization: Bearer <token>" });
        expect(answer.headers["www-authenticate"]).toBe('Bearer realm="etcd-responder", Basic realm="etcd-responder"');
      }
    }
    expect(queue.requests).toEqual([]);
  });

  it("accepts the bearer token and the basic pair", async () => {
    const { app } = intakeHarness();
    expect((await request(app).get("/v1/clusters").set("Authorization", BEARER)).status).toBe(200);
    expect(
      (await request(app).get("/v1/clusters").set("Authorization", basic(BASIC.username, BASIC.password))).status,
    ).toBe(200);
  });

  it("checks credentials before reading the body", async () => {
    const { app } = intakeHarness();
    const answer = await request(app).post("/v1/alerts").set("Content-Type", "application/json").send("{not json");
    expect(answer.status).toBe(401);
  });

  it("asks for basic auth when only basic auth is set up", async () => {
    const { app } = intakeHarness({ auth: { basic: BASIC, insecureNoAuth: false } });
    const answer = await request(app).get("/v1/clusters");
    expect(answer.status).toBe(401);
    expect(answer.headers["www-authenticate"]).toBe('Basic realm="etcd-responder"');
    expect(errorOf(answer.body)).toBe(
      "missing or invalid credentials: send Authorization: Basic <base64 of user:password>",
    );
  });

  it("lets requests through without credentials only in insecure mode", async () => {
    const { app } = intakeHarness({ auth: { insecureNoAuth: true } });
    expect((await request(app).get("/v1/clusters")).status).toBe(200);
  });

  it("needs no credentials for the probes and /metrics", async () => {
    const { app } = intakeHarness();
    for (const path of ["/healthz", "/readyz", "/metrics"])
      expect((await request(app).get(path)).status, path).toBe(200);
  });
});

describe("request bodies", () => {
  it("answers 400 for malformed JSON", async () => {
    const { app } = intakeHarness();
    for (const path of ["/v1/alerts", "/v1/recoveries"]) {
      const answer = await request(app)
        .post(path)
        .set("Authorization", BEARER)
        .set("Content-Type", "application/json")
        .send('{"alerts": [');
      expect(answer.status).toBe(400);
      expect(errorOf(answer.body)).toMatch(/^invalid JSON: /);
    }
    const scalar = await request(app)
      .post("/v1/alerts")
      .set("Authorization", BEARER)
      .set("Content-Type", "application/json")
      .send('"alerts"');
    expect(scalar.status).toBe(400);
    expect(errorOf(scalar.body)).toMatch(/^invalid JSON: /);
  });

  it("answers 400 for a missing body", async () => {
    const { app } = intakeHarness();
    const answer = await request(app).put("/v1/clusters/example/mode").set("Authorization", BEARER);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: "missing request body: expected a JSON object" });
  });

  it("answers 415 for another content type, a missing one, or another charset", async () => {
    const { app } = intakeHarness();
    const text = await request(app)
      .post("/v1/alerts")
      .set("Authorization", BEARER)
      .set("Content-Type", "text/plain")
      .send("{}");
    expect(text.status).toBe(415);
    expect(text.body).toEqual({
      error: 'unsupported content type "text/plain": send the body as JSON with Content-Type: application/json',
    });
    const form = await request(app)
      .put("/v1/clusters/example/mode")
      .set("Authorization", BEARER)
      .type("form")
      .send({ mode: "act" });
    expect(form.status).toBe(415);
    const none = await rawRequest(app, "POST", "/v1/recoveries", { Authorization: BEARER }, Buffer.from("{}"));
    expect(none.status).toBe(415);
    expect(JSON.parse(none.text)).toEqual({
      error: "missing Content-Type: send the body as JSON with Content-Type: application/json",
    });
    const charset = await request(app)
      .post("/v1/alerts")
      .set("Authorization", BEARER)
      .set("Content-Type", "application/json; charset=latin1")
      .send("{}");
    expect(charset.status).toBe(415);
    expect(errorOf(charset.body)).toMatch(/charset/);
  });

  it("accepts a +json media type and a gzip-encoded body", async () => {
    const { app } = intakeHarness();
    const vendor = await request(app)
      .post("/v1/alerts")
      .set("Authorization", BEARER)
      .set("Content-Type", "application/vnd.alertmanager+json")
      .send(JSON.stringify(payload("alertmanager-v4-crashloop")));
    expect(vendor.status).toBe(202);
    const gzip = await rawRequest(
      app,
      "POST",
      "/v1/alerts",
      { Authorization: BEARER, "Content-Type": "application/json", "Content-Encoding": "gzip" },
      gzipSync(JSON.stringify(payload("ha-duplicate"))),
    );
    expect(gzip.status).toBe(202);
    // The first request queued member 3 already.
    expect(JSON.parse(gzip.text)).toEqual({ enqueued: [], deduplicated: 3, ignored: 0 });
  });

  it("answers 413 for a body over 1 MiB and accepts one just under", async () => {
    const { app } = intakeHarness();
    const padded = (size: number) => {
      const skeleton = JSON.stringify(notification([], { padding: "" }));
      return skeleton.replace('"padding":""', `"padding":"${"x".repeat(size - skeleton.length)}"`);
    };
    const under = padded(MAX_BODY_BYTES);
    expect(Buffer.byteLength(under)).toBe(MAX_BODY_BYTES);
    const accepted = await request(app)
      .post("/v1/alerts")
      .set("Authorization", BEARER)
      .set("Content-Type", "application/json")
      .send(under);
    expect(accepted.status).toBe(202);
    const over = padded(MAX_BODY_BYTES + 1);
    const answer = await request(app)
      .post("/v1/alerts")
      .set("Authorization", BEARER)
      .set("Content-Type", "application/json")
      .send(over);
    expect(answer.status).toBe(413);
    expect(answer.body).toEqual({ error: "request body too large: the limit is 1048576 bytes (1 MiB)" });
  });

  it("answers 413 for a gzip body that inflates past 1 MiB, and 400 for a corrupt one", async () => {
    const { app } = intakeHarness();
    const bomb = gzipSync(JSON.stringify(notification([], { padding: "x".repeat(4 * MAX_BODY_BYTES) })));
    expect(bomb.length).toBeLessThan(MAX_BODY_BYTES);
    const headers = { Authorization: BEARER, "Content-Type": "application/json", "Content-Encoding": "gzip" };
    const answer = await rawRequest(app, "POST", "/v1/alerts", headers, bomb);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text)).toEqual({ error: "request body too large: the limit is 1048576 bytes (1 MiB)" });
    const corrupt = await rawRequest(app, "POST", "/v1/alerts", headers, Buffer.from('{"alerts": []}'));
    expect(corrupt.status).toBe(400);
    expect(errorOf(JSON.parse(corrupt.text))).toEqual(expect.any(String));
  });
});

describe("routes", () => {
  it("answers 404 for unknown routes", async () => {
    const { app } = intakeHarness();
    for (const path of ["/", "/v1", "/v1/alert", "/v2/alerts", "/v1/clusters/example", "/v1/recoveries/a/b"]) {
      const answer = await request(app).get(path).set("Authorization", BEARER);
      expect(answer.status, path).toBe(404);
      expect(answer.body).toEqual({ error: `no route GET ${path}; the API is described in openapi.yaml` });
    }
  });

  it("answers 405 with Allow for a served path asked with another method", async () => {
    const { app } = intakeHarness();
    const answer = await request(app).get("/v1/alerts").set("Authorization", BEARER);
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe("POST");
    expect(answer.body).toEqual({ error: "method GET is not allowed on /v1/alerts; use POST" });
    const recoveries = await request(app).delete("/v1/recoveries").set("Authorization", BEARER);
    expect(recoveries.status).toBe(405);
    expect(recoveries.headers.allow).toBe("POST, GET, HEAD");
  });

  it("answers 400 for a path with a malformed escape", async () => {
    const { app } = intakeHarness();
    const answer = await request(app).get("/v1/recoveries/%E0%A4%A").set("Authorization", BEARER);
    expect(answer.status).toBe(400);
    expect(errorOf(answer.body)).toMatch(/^invalid percent-encoding in the path: /);
  });
});

describe("backend failures", () => {
  it("answers 503 when the queue is unreachable, and queues nothing", async () => {
    const { app, queue, metrics } = intakeHarness();
    queue.failWith = queueUnavailable();
    for (const route of V1_ROUTES.filter((r) => r.path.includes("recoveries") || r.path === "/v1/alerts")) {
      const body = route.path === "/v1/alerts" ? payload("alertmanager-v4-crashloop") : route.body;
      const call = request(app)[route.method](route.path).set("Authorization", BEARER);
      const answer = await (body ? call.send(body) : call);
      expect(answer.status, `${route.method} ${route.path}`).toBe(503);
      expect(answer.body).toEqual({
        error:
          "cannot queue a recovery: Redis at 127.0.0.1:6379 is unreachable: connect ECONNREFUSED 127.0.0.1:6379; " +
          "try again later",
      });
    }
    queue.failWith = undefined;
    expect(await queue.list({})).toEqual([]);
    // A notification that failed is not counted, so Alertmanager's retry counts it once.
    expect(await metrics.render()).toContain('etcd_responder_alerts_total{result="enqueued"} 0');
  });

  it("answers 503 for any retryable responder error, e.g. from the modes store", async () => {
    const { app, modes } = intakeHarness();
    modes.failWith = new FlakyBackendError("redis timed out");
    const answer = await request(app).get("/v1/clusters").set("Authorization", BEARER);
    expect(answer.status).toBe(503);
    modes.failWith = new DeadlineExceededError("the mode store", 2000);
    const put = await request(app).put("/v1/clusters/example/mode").set("Authorization", BEARER).send({ mode: "act" });
    expect(put.status).toBe(503);
    const alerts = await request(app)
      .post("/v1/alerts")
      .set("Authorization", BEARER)
      .send(notification([firingAlert("default", "example-1-7d9f8b6c4d-x2k4q")]));
    expect(alerts.status).toBe(503);
  });

  it("answers 503 when looking a Pod up in Kubernetes fails transiently", async () => {
    const { app } = intakeHarness({
      readPodLabels: () => Promise.reject(new FlakyBackendError("kubernetes API unreachable")),
    });
    const answer = await request(app)
      .post("/v1/alerts")
      .set("Authorization", BEARER)
      .send(notification([firingAlert("default", "odd-name")]));
    expect(answer.status).toBe(503);
    expect(errorOf(answer.body)).toContain("kubernetes API unreachable");
  });

  it("answers 404 for an unconfigured cluster or member, 400 for an ambiguous name, wherever found", async () => {
    const { app, queue, modes } = intakeHarness();
    modes.failWith = new NotConfiguredError("cluster", 'no configured cluster "example"');
    const clusters = await request(app).get("/v1/clusters").set("Authorization", BEARER);
    expect(clusters.status).toBe(404);
    expect(clusters.body).toEqual({ error: 'no configured cluster "example"' });
    modes.failWith = undefined;
    queue.failWith = new NotConfiguredError(
      "member",
      "cluster default/example has members 1 to 1; there is no member 2",
    );
    const recovery = await request(app)
      .post("/v1/recoveries")
      .set("Authorization", BEARER)
      .send({ cluster: "example", member: 2 });
    expect(recovery.status).toBe(404);
    queue.failWith = new NotConfiguredError(
      "ambiguous-cluster",
      'cluster name "example" is used in several namespaces',
    );
    const ambiguous = await request(app)
      .post("/v1/recoveries")
      .set("Authorization", BEARER)
      .send({ cluster: "example", member: 2 });
    expect(ambiguous.status).toBe(400);
  });

  it("answers 500 with a generic message for anything unexpected, and logs the error", async () => {
    const { app, queue, lines } = intakeHarness();
    queue.failWith = new UnsafeRecoveryError("weird", "something no one expected");
    const answer = await request(app).get("/v1/recoveries").set("Authorization", BEARER);
    expect(answer.status).toBe(500);
    expect(answer.body).toEqual({ error: "internal error; the details are in the service log" });
    queue.failWith = new TypeError("cannot read properties of undefined");
    expect((await request(app).get("/v1/recoveries/x").set("Authorization", BEARER)).status).toBe(500);
    const failures = lines().filter((line) => line.msg === "request failed");
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatchObject({
      level: "error",
      name: "intake",
      status: 500,
      err: { message: "something no one expected" },
    });
    expect(failures[1]).toMatchObject({ err: { type: "TypeError", message: "cannot read properties of undefined" } });
  });
});
