import request from "supertest";
import { describe, expect, it } from "vitest";
import { errorOf } from "../support/api-bodies.js";
import { BEARER, intakeHarness } from "../support/intake-harness.js";

// HTTP-contract tests over the in-memory queue and modes of ./fixtures.

describe("GET /v1/clusters", () => {
  it("lists every configured cluster with its mode", async () => {
    const { app, modes } = intakeHarness();
    await modes.set(
      { namespace: "prod", name: "main" },
      "observe",
      "circuit-breaker",
      "3 failed recoveries in 10 minutes",
    );
    const answer = await request(app).get("/v1/clusters").set("Authorization", BEARER);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      clusters: [
        { name: "example", namespace: "default", members: 5, mode: "act", modeSource: "config" },
        {
          name: "main",
          namespace: "prod",
          members: 3,
          mode: "observe",
          modeSource: "circuit-breaker",
          modeReason: "3 failed recoveries in 10 minutes",
          since: "2025-01-01T00:00:00.000Z",
        },
        { name: "shared", namespace: "prod", members: 3, mode: "act", modeSource: "config" },
        { name: "shared", namespace: "staging", members: 3, mode: "act", modeSource: "config" },
      ],
    });
  });
});

describe("PUT /v1/clusters/:name/mode", () => {
  it("sets the mode on behalf of a person and answers the new state", async () => {
    const { app, modes } = intakeHarness();
    const answer = await request(app)
      .put("/v1/clusters/example/mode")
      .set("Authorization", BEARER)
      .send({ mode: "paused", reason: "etcd upgrade" });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      name: "example",
      namespace: "default",
      members: 5,
      mode: "paused",
      modeSource: "api",
      modeReason: "etcd upgrade",
      since: "2025-01-01T00:00:00.000Z",
    });
    expect((await modes.get({ namespace: "default", name: "example" })).mode).toBe("paused");
  });

  it("takes the namespace from the query for a name used in several namespaces", async () => {
    const { app, modes } = intakeHarness();
    const ambiguous = await request(app)
      .put("/v1/clusters/shared/mode")
      .set("Authorization", BEARER)
      .send({ mode: "observe" });
    expect(ambiguous.status).toBe(400);
    expect(errorOf(ambiguous.body)).toContain('cluster name "shared" is used in several namespaces');
    const answer = await request(app)
      .put("/v1/clusters/shared/mode?namespace=staging")
      .set("Authorization", BEARER)
      .send({ mode: "observe" });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ name: "shared", namespace: "staging", mode: "observe" });
    expect((await modes.get({ namespace: "prod", name: "shared" })).mode).toBe("act");
  });

  it("answers 400 naming an unknown query parameter, e.g. a misspelt namespace, and the allowed one", async () => {
    const { app, modes } = intakeHarness();
    const answer = await request(app)
      .put("/v1/clusters/example/mode?namspace=default")
      .set("Authorization", BEARER)
      .send({ mode: "paused" });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: 'unknown query parameter "namspace"; allowed: namespace' });
    expect((await modes.get({ namespace: "default", name: "example" })).mode).toBe("act");
  });

  it("answers 404 for an unknown cluster", async () => {
    const { app } = intakeHarness();
    const answer = await request(app).put("/v1/clusters/nope/mode").set("Authorization", BEARER).send({ mode: "act" });
    expect(answer.status).toBe(404);
    expect(errorOf(answer.body)).toBe(
      'no configured cluster "nope"; configured clusters: default/example, prod/main, prod/shared, staging/shared',
    );
  });

  it("answers 400 for a bad mode or body", async () => {
    const { app } = intakeHarness();
    const cases: [unknown, string][] = [
      [{ mode: "stop" }, "invalid request body: mode: expected one of act, observe, paused"],
      [{}, "mode: expected one of act, observe, paused"],
      [{ mode: "act", reason: 5 }, "reason: expected a sentence"],
      [{ mode: "act", reason: "x".repeat(501) }, "reason: expected at most 500 characters"],
      [{ mode: "act", why: "x" }, "why: unknown field"],
    ];
    for (const [body, message] of cases) {
      const answer = await request(app)
        .put("/v1/clusters/example/mode")
        .set("Authorization", BEARER)
        .send(body as object);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(errorOf(answer.body)).toContain(message);
    }
  });
});
