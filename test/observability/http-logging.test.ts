import express from "express";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { httpLogging, UNMATCHED_ROUTE } from "../../src/intake/request-log.js";
import { createMetrics } from "../../src/core/metrics.js";
import { capturingLogger } from "../support/capturing-logger.js";

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
