import { briefRequest } from "../support/in-memory-queue.js";
import request from "supertest";
import { describe, expect, it } from "vitest";
import type { RecoveryRequestAnswer } from "../../src/cli/service-client.js";
import { errorOf, type RecoveryListBody } from "../support/api-bodies.js";
import { BEARER, intakeHarness } from "../support/intake-harness.js";

// HTTP-contract tests over the in-memory queue and modes of ./fixtures.

describe("POST /v1/recoveries", () => {
  it("queues a recovery of a member named by cluster and index", async () => {
    const { app, queue } = intakeHarness();
    const answer = await request(app)
      .post("/v1/recoveries")
      .set("Authorization", BEARER)
      .send({ cluster: "example", member: 2 });
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({
      id: "recovery-1",
      cluster: "example",
      namespace: "default",
      member: 2,
      deduplicated: false,
    });
    expect(queue.requests.map(briefRequest)).toEqual([
      { cluster: "example", namespace: "default", member: 2, trigger: { kind: "manual" } },
    ]);
  });

  it("joins a recovery already queued for the member", async () => {
    const { app } = intakeHarness();
    await request(app).post("/v1/recoveries").set("Authorization", BEARER).send({ cluster: "main", member: 1 });
    const again = await request(app)
      .post("/v1/recoveries")
      .set("Authorization", BEARER)
      .send({ cluster: "main", member: 1, namespace: "prod" });
    expect(again.status).toBe(202);
    expect(again.body).toEqual({ id: "recovery-1", cluster: "main", namespace: "prod", member: 1, deduplicated: true });
  });

  it("finds the member from one of its Pods", async () => {
    const { app } = intakeHarness();
    const answer = await request(app)
      .post("/v1/recoveries")
      .set("Authorization", BEARER)
      .send({ namespace: "staging", pod: "shared-3-7d9f8b6c4d-x2k4q" });
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ cluster: "shared", namespace: "staging", member: 3, deduplicated: false });
  });

  it("needs the namespace for a cluster name used in several namespaces", async () => {
    const { app } = intakeHarness();
    const ambiguous = await request(app)
      .post("/v1/recoveries")
      .set("Authorization", BEARER)
      .send({ cluster: "shared", member: 1 });
    expect(ambiguous.status).toBe(400);
    expect(errorOf(ambiguous.body)).toBe(
      'cluster name "shared" is used in several namespaces (prod, staging); say which namespace',
    );
    const named = await request(app)
      .post("/v1/recoveries")
      .set("Authorization", BEARER)
      .send({ cluster: "shared", member: 1, namespace: "staging" });
    expect(named.status).toBe(202);
    expect((named.body as RecoveryRequestAnswer).namespace).toBe("staging");
  });

  it("answers 404 listing the configured clusters for an unknown cluster, member or Pod", async () => {
    const { app } = intakeHarness();
    const listing = "configured clusters: default/example, prod/main, prod/shared, staging/shared";
    const cluster = await request(app)
      .post("/v1/recoveries")
      .set("Authorization", BEARER)
      .send({ cluster: "exmaple", member: 1 });
    expect(cluster.status).toBe(404);
    expect(errorOf(cluster.body)).toBe(`no configured cluster "exmaple"; ${listing}`);
    const inNamespace = await request(app)
      .post("/v1/recoveries")
      .set("Authorization", BEARER)
      .send({ cluster: "main", member: 1, namespace: "default" });
    expect(inNamespace.status).toBe(404);
    expect(errorOf(inNamespace.body)).toBe(`no configured cluster "main" in namespace "default"; ${listing}`);
    const member = await request(app)
      .post("/v1/recoveries")
      .set("Authorization", BEARER)
      .send({ cluster: "example", member: 6 });
    expect(member.status).toBe(404);
    expect(errorOf(member.body)).toBe("cluster default/example has members 1 to 5; there is no member 6");
    const pod = await request(app)
      .post("/v1/recoveries")
      .set("Authorization", BEARER)
      .send({ namespace: "default", pod: "nginx-5d8f7c9b6-abcde" });
    expect(pod.status).toBe(404);
    expect(errorOf(pod.body)).toBe(`Pod default/nginx-5d8f7c9b6-abcde belongs to no configured member; ${listing}`);
  });

  it("answers 409 for a paused cluster, saying how to resume", async () => {
    const { app, modes, queue } = intakeHarness();
    await modes.set({ namespace: "default", name: "example" }, "paused", "api");
    const answer = await request(app)
      .post("/v1/recoveries")
      .set("Authorization", BEARER)
      .send({ cluster: "example", member: 1 });
    expect(answer.status).toBe(409);
    expect(answer.body).toEqual({
      error: 'cluster example is paused; PUT /v1/clusters/example/mode {"mode":"act"} to resume',
    });
    expect(queue.requests).toEqual([]);
  });

  it("answers 400 naming the field for a bad body", async () => {
    const { app } = intakeHarness();
    const cases: [unknown, string][] = [
      [{}, "invalid request body: cluster: expected a cluster name; member: expected a member number (1, 2, ...)"],
      [{ cluster: "example", member: "2" }, "member: expected a member number"],
      [{ cluster: "example", member: 1.5 }, "member: expected a member number"],
      [{ cluster: "example", member: 0 }, "member: expected a member number"],
      [{ cluster: "", member: 1 }, "cluster: expected a cluster name"],
      [{ cluster: "example", member: 1, memebr: 2 }, "memebr: unknown field"],
      [{ namespace: "default", pod: 7 }, "pod: expected a Pod name"],
      [{ pod: "x" }, "namespace: expected a namespace"],
      [[{ cluster: "example", member: 1 }], "expected"],
    ];
    for (const [body, message] of cases) {
      const answer = await request(app)
        .post("/v1/recoveries")
        .set("Authorization", BEARER)
        .send(body as object);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(errorOf(answer.body)).toContain(message);
    }
  });
});

/** The app with three queued recoveries, the first of them succeeded since. */
async function withHistory() {
  const harness = intakeHarness();
  for (const body of [
    { cluster: "example", member: 1 },
    { cluster: "example", member: 2 },
    { cluster: "main", member: 1 },
  ]) {
    await request(harness.app).post("/v1/recoveries").set("Authorization", BEARER).send(body);
  }
  harness.queue.setState("recovery-1", "succeeded");
  return harness;
}

describe("GET /v1/recoveries", () => {
  it("lists recoveries newest first", async () => {
    const { app } = await withHistory();
    const answer = await request(app).get("/v1/recoveries").set("Authorization", BEARER);
    expect(answer.status).toBe(200);
    const { recoveries } = answer.body as RecoveryListBody;
    expect(recoveries.map((r) => r.id)).toEqual(["recovery-3", "recovery-2", "recovery-1"]);
    expect(recoveries[2]).toMatchObject({
      cluster: "example",
      namespace: "default",
      member: 1,
      state: "succeeded",
      trigger: { kind: "manual" },
    });
  });

  it("narrows by cluster, member, state and limit", async () => {
    const { app } = await withHistory();
    const ids = async (query: string) => {
      const answer = await request(app).get(`/v1/recoveries?${query}`).set("Authorization", BEARER);
      return (answer.body as RecoveryListBody).recoveries.map((r) => r.id);
    };
    expect(await ids("cluster=example")).toEqual(["recovery-2", "recovery-1"]);
    expect(await ids("cluster=example&member=1")).toEqual(["recovery-1"]);
    expect(await ids("state=queued")).toEqual(["recovery-3", "recovery-2"]);
    expect(await ids("limit=1")).toEqual(["recovery-3"]);
  });

  it("answers 400 naming the parameter", async () => {
    const { app } = intakeHarness();
    const cases: [string, string][] = [
      [
        "state=done",
        "invalid query parameter: state: expected one of queued, running, succeeded, skipped, refused, failed",
      ],
      ["member=zero", "member: expected a member number"],
      ["member=0", "member: expected a member number"],
      ["limit=0", "limit: expected a whole number from 1 to 1000"],
      ["limit=1001", "limit: expected a whole number from 1 to 1000"],
      ["limit=ten", "limit: expected a whole number from 1 to 1000"],
      ["state=queued&state=running", "state: give state once"],
      ["cluster=", "cluster: expected a cluster name"],
    ];
    for (const [query, message] of cases) {
      const answer = await request(app).get(`/v1/recoveries?${query}`).set("Authorization", BEARER);
      expect(answer.status, query).toBe(400);
      expect(errorOf(answer.body)).toContain(message);
    }
  });
});

describe("query parameters of the GET routes", () => {
  const ALLOWED = "allowed: cluster, member, state, limit";

  it("answers 400 naming an unknown or bracketed parameter and the allowed ones, instead of ignoring it", async () => {
    const { app } = await withHistory();
    const cases: [string, string][] = [
      ["clutser=example", `unknown query parameter "clutser"; ${ALLOWED}`],
      ["cluster[]=example", `unknown query parameter "cluster[]"; ${ALLOWED}`],
      ["cluster[0]=example&state=queued", `unknown query parameter "cluster[0]"; ${ALLOWED}`],
      ["cluster=example&x=1&y=2", `unknown query parameters "x", "y"; ${ALLOWED}`],
    ];
    for (const [query, message] of cases) {
      const answer = await request(app).get(`/v1/recoveries?${query}`).set("Authorization", BEARER);
      expect(answer.status, query).toBe(400);
      expect(answer.body).toEqual({ error: message });
    }
  });

  it("answers 400 for any parameter on the GET routes that take none", async () => {
    const { app } = await withHistory();
    for (const path of ["/v1/clusters?namespace=prod", "/v1/recoveries/recovery-1?verbose=1"]) {
      const answer = await request(app).get(path).set("Authorization", BEARER);
      expect(answer.status, path).toBe(400);
      expect(answer.body, path).toEqual({
        error: `unknown query parameter "${path.split("?")[1]?.split("=")[0]}"; this route takes none`,
      });
    }
  });
});

describe("GET /v1/recoveries/:id", () => {
  it("answers the recovery", async () => {
    const { app } = intakeHarness();
    await request(app).post("/v1/recoveries").set("Authorization", BEARER).send({ cluster: "example", member: 4 });
    const answer = await request(app).get("/v1/recoveries/recovery-1").set("Authorization", BEARER);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      id: "recovery-1",
      cluster: "example",
      member: 4,
      state: "queued",
      attempts: 0,
      steps: [],
    });
  });

  it("answers 404 for an unknown id", async () => {
    const { app } = intakeHarness();
    const answer = await request(app).get("/v1/recoveries/nope").set("Authorization", BEARER);
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ error: 'no recovery "nope"; it is unknown or aged out of the history' });
  });
});
