import type { Server } from "node:http";
import fc from "fast-check";
import request, { type Response } from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../../src/intake/http.js";
import { payload } from "../support/alertmanager-payloads.js";
import { errorOf } from "../support/api-bodies.js";
import { BEARER, intakeHarness } from "../support/intake-harness.js";

// Property-based tests of the webhook over the in-memory queue and modes of ./fixtures:
// whatever arrives, the answer is 202 or a 4xx with {"error": "..."}, never a 5xx, never a crash.

const harness = intakeHarness();
let server: Server;

beforeAll(async () => {
  server = harness.app.listen(0, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function post(body: string, contentType = "application/json"): Promise<Response> {
  return request(server).post("/v1/alerts").set("Authorization", BEARER).set("Content-Type", contentType).send(body);
}

/** 202 with the documented shape, or a 4xx with a JSON `{error}`. */
function expectHandled(answer: Response): void {
  expect(answer.status, answer.text.slice(0, 300)).toBeLessThan(500);
  expect(answer.headers["content-type"]).toMatch(/^application\/json/);
  if (answer.status === 202) {
    expect(answer.body).toEqual({
      enqueued: expect.any(Array) as unknown[],
      deduplicated: expect.any(Number) as number,
      ignored: expect.any(Number) as number,
    });
  } else {
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(Object.keys(answer.body as object)).toEqual(["error"]);
    const error = errorOf(answer.body);
    expect(error).toEqual(expect.any(String));
    expect(error.length).toBeGreaterThan(0);
  }
}

/** Every path to a value inside `value`, the root included. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const paths = [prefix];
  if (Array.isArray(value)) value.forEach((item, index) => paths.push(...pathsOf(item, [...prefix, index])));
  else if (value && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) paths.push(...pathsOf(item, [...prefix, key]));
  }
  return paths;
}

/** A copy of `value` with the value at `path` replaced (or removed when `replacement` is undefined). */
function replaceAt(value: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (replacement === undefined && !Array.isArray(parent)) delete parent[last];
  else parent[last] = replacement ?? null;
  return copy;
}

const FIXTURES = ["alertmanager-v4-crashloop", "other-alertnames", "unknown-namespaces", "ha-duplicate"].map(payload);

describe("webhook fuzzing", () => {
  it("handles arbitrary JSON values", async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => expectHandled(await post(JSON.stringify(value)))),
      { numRuns: 300 },
    );
  });

  it("handles arbitrary strings, including broken JSON", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.string({ unit: "binary" }),
          fc.json().map((text) => text.slice(0, Math.max(0, text.length - 1))),
        ),
        async (text) => expectHandled(await post(text)),
      ),
      { numRuns: 300 },
    );
  });

  it("handles wrong types and missing fields at every level of real notifications", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .constantFrom(...FIXTURES)
          .chain((fixture) =>
            fc.tuple(
              fc.constant(fixture),
              fc.constantFrom(...pathsOf(fixture)),
              fc.option(fc.jsonValue(), { nil: undefined }),
            ),
          ),
        async ([fixture, path, replacement]) =>
          expectHandled(await post(JSON.stringify(replaceAt(fixture, path, replacement)))),
      ),
      { numRuns: 400 },
    );
  });

  it("handles alerts with arbitrary labels, statuses and keys such as __proto__", async () => {
    // Objects are written as JSON text from key/value pairs, so keys such as __proto__ reach the server
    // as Alertmanager (or an attacker) would send them, not as prototypes of a test object.
    const object = (entries: [string, string][]) =>
      `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}`;
    const key = fc.oneof(
      fc.constantFrom("alertname", "namespace", "pod", "__proto__", "constructor", "toString", "hasOwnProperty"),
      fc.string(),
    );
    const text = fc.oneof(
      fc.constantFrom(
        "KubePodCrashLooping",
        "default",
        "prod",
        "example-1-7d9f8b6c4d-x2k4q",
        "main-3-5f6d7c8b9-mzk7h",
        "",
      ),
      fc.string(),
    );
    const labels = fc
      .array(
        fc.tuple(
          key,
          text.map((v) => JSON.stringify(v)),
        ),
        { maxLength: 6 },
      )
      .map(object);
    const alert = fc
      .tuple(
        fc
          .constantFrom("firing", "resolved", "pending", "")
          .map((v): [string, string] => ["status", JSON.stringify(v)]),
        fc.string().map((v): [string, string] => ["fingerprint", JSON.stringify(v)]),
        fc.jsonValue().map((v): [string, string] => ["__proto__", JSON.stringify(v)]),
      )
      .chain((optional) => fc.tuple(fc.subarray(optional), labels))
      .map(([entries, labelText]) => object([...entries, ["labels", labelText]]));
    await fc.assert(
      fc.asyncProperty(
        fc.array(alert, { maxLength: 30 }),
        fc.constantFrom('"firing"', '"resolved"', "null"),
        async (alerts, status) => {
          expectHandled(await post(`{"status":${status},"alerts":[${alerts.join(",")}]}`));
        },
      ),
      { numRuns: 200 },
    );
    const polluted =
      '{"__proto__": {"alerts": [], "status": "firing"}, ' +
      '"alerts": [{"__proto__": {"status": "firing"}, ' +
      '"labels": {"__proto__": "x", "alertname": "KubePodCrashLooping", "namespace": "default", ' +
      '"pod": "example-1-7d9f8b6c4d-x2k4q"}}]}';
    const answer = await post(polluted);
    expect(answer.status).toBe(202);
    // The alert has no status of its own and the notification none either: an inherited one must not count.
    expect(answer.body).toEqual({ enqueued: [], deduplicated: 0, ignored: 1 });
    expect(({} as Record<string, unknown>).status).toBeUndefined();
  });

  it("handles deep nesting", async () => {
    for (const depth of [1_000, 100_000, 400_000]) {
      const arrays = `${"[".repeat(depth)}${"]".repeat(depth)}`;
      expectHandled(await post(arrays));
      expectHandled(await post(`{"alerts": ${arrays}}`));
      expectHandled(await post(`{"alerts": [], "extra": ${arrays}}`));
      // Over the size limit at the largest depth: then 413.
      const objects = `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
      expectHandled(await post(objects));
      expectHandled(await post(`{"alerts": [{"labels": ${objects}}]}`));
      expectHandled(await post(`{"alerts": [${arrays.slice(0, 2000)}`));
    }
  });

  it("handles huge arrays just under the size limit", async () => {
    const many = (item: string) => {
      const count = Math.floor((MAX_BODY_BYTES - 20) / (item.length + 1));
      return `{"alerts": [${Array.from({ length: count }, () => item).join(",")}]}`;
    };
    const cases = [
      many('{"labels":{}}'),
      many("0"),
      many("null"),
      many(
        '{"labels":{"alertname":"KubePodCrashLooping","namespace":"default","pod":"example-1-7d9f8b6c4d-x2k4q"},' +
          '"status":"firing"}',
      ),
      many(
        '{"status":"firing",' +
          '"labels":{"alertname":"KubePodCrashLooping","namespace":"default","pod":"nginx-5d8f7c9b6-abcde"}}',
      ),
    ];
    for (const body of cases) {
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_BODY_BYTES);
      expectHandled(await post(body));
    }
    const distinctPods = `{"alerts": [${Array.from(
      { length: 5000 },
      (_, i) =>
        '{"status":"firing","labels":{"alertname":"KubePodCrashLooping","namespace":"default",' +
        `"pod":"pod-${i}-7d9f8b6c4d-x2k4q"}}`,
    ).join(",")}]}`;
    const answer = await post(distinctPods);
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ enqueued: [], deduplicated: 0, ignored: 5000 });
  });

  it("handles arbitrary content types and bytes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.constantFrom(
            "application/json",
            "application/json; charset=utf-16",
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/merge-patch+json",
          ),
          fc.string(),
        ),
        fc.uint8Array({ maxLength: 2000 }),
        async (contentType, bytes) => {
          let call = request(server).post("/v1/alerts").set("Authorization", BEARER);
          // Header values with control characters cannot be sent at all; those are the client's problem.
          if (/^[\t\x20-\x7e]*$/.test(contentType)) call = call.set("Content-Type", contentType);
          expectHandled(await call.send(Buffer.from(bytes).toString("latin1")));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("is still alive, logged no failure, and queued only for real members", async () => {
    expect((await request(server).get("/healthz")).status).toBe(200);
    expect(harness.lines().filter((line) => line.msg === "request failed")).toEqual([]);
    const members = new Set(
      harness.config.catalog.clusters.flatMap((c) => c.members.map((m) => `${c.namespace}/${c.name}/${m.index}`)),
    );
    for (const { target } of harness.queue.requests) {
      expect(members.has(`${target.cluster.namespace}/${target.cluster.name}/${target.member.index}`)).toBe(true);
    }
  });
});
