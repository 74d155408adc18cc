import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type ApiHarness } from "./api-harness.js";
import { call } from "./https-client.js";

const TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

const PATHS = [
  "/api/v1/namespaces/default/pods",
  "/api/v1/namespaces/default/pods/p",
  "/api/v1/namespaces/default/pods/p/status",
  "/api/v1/namespaces/default/pods/p/log?tailLines=2",
  "/api/v1/namespaces/default/services",
  "/api/v1/namespaces/default/services/s",
  "/api/v1/namespaces/default/events",
  "/api/v1/namespaces/default/events/e",
  "/api/v1/namespaces/default/secrets/x",
  "/api/v1/namespaces",
  "/api/v1/namespaces/n",
  "/apis/apps/v1/namespaces/default/deployments",
  "/apis/apps/v1/namespaces/default/deployments/d",
  "/apis/apps/v1/namespaces/default/deployments/d/scale",
  "/apis/apps/v1/namespaces/default/deployments/d/status",
  "/apis/apps/v1/namespaces/default/replicasets/r/scale",
  "/apis/coordination.k8s.io/v1/namespaces/default/leases",
  "/apis/coordination.k8s.io/v1/namespaces/default/leases/l",
  "/api/v1/pods?labelSelector=a%20in%20(b)",
  "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dp",
];

const CONTENT_TYPES = [
  "application/json",
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
  "application/json-patch+json",
  "application/apply-patch+yaml",
  "text/plain",
];

const NAMES = ["p", "s", "e", "x", "n", "d", "r", "l", "", "Bad_Name"];

/** Bodies shaped like Kubernetes objects with arbitrary contents, JSON patches, or plain junk. */
const body = fc.oneof(
  fc
    .record(
      {
        apiVersion: fc.constantFrom("v1", "apps/v1", "coordination.k8s.io/v1", "nope"),
        kind: fc.constantFrom("Pod", "Service", "Deployment", "Lease", "Event", "Secret", "Namespace"),
        metadata: fc.oneof(
          fc.record(
            {
              name: fc.constantFrom(...NAMES),
              labels: fc.jsonValue(),
              resourceVersion: fc.constantFrom("1", "999", "x"),
            },
            { requiredKeys: [] },
          ),
          fc.jsonValue(),
        ),
        spec: fc.jsonValue(),
        status: fc.jsonValue(),
        data: fc.jsonValue(),
        stringData: fc.jsonValue(),
        involvedObject: fc.jsonValue(),
      },
      { requiredKeys: [] },
    )
    .map((o) => JSON.stringify(o)),
  fc
    .array(
      fc.record(
        {
          op: fc.constantFrom("add", "remove", "replace", "move", "copy", "test"),
          path: fc.constantFrom("", "/spec", "/status/phase", "/metadata/labels/a", "/spec/replicas", "/x/-"),
          value: fc.jsonValue(),
          from: fc.constantFrom("/spec", "/metadata"),
        },
        { requiredKeys: ["op", "path"] },
      ),
    )
    .map((ops) => JSON.stringify(ops)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string(),
);

/** Objects the fuzzed requests find in place, so updates, patches and deletes reach real objects. */
const SEEDS: [string, string | undefined, Record<string, unknown>][] = [
  [
    "pods",
    "default",
    { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "i" }] } },
  ],
  [
    "services",
    "default",
    { apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { ports: [{ port: 80 }] } },
  ],
  [
    "events",
    "default",
    { apiVersion: "v1", kind: "Event", metadata: { name: "e" }, involvedObject: { kind: "Pod", name: "p" } },
  ],
  ["secrets", "default", { apiVersion: "v1", kind: "Secret", metadata: { name: "x" }, data: {} }],
  ["namespaces", undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: "n" } }],
  [
    "leases.coordination.k8s.io",
    "default",
    { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "l" }, spec: {} },
  ],
  ...(["deployments.apps", "replicasets.apps"] as const).map(
    (resource, i): [string, string, Record<string, unknown>] => [
      resource,
      "default",
      {
        apiVersion: "apps/v1",
        kind: i === 0 ? "Deployment" : "ReplicaSet",
        metadata: { name: i === 0 ? "d" : "r" },
        spec: {
          selector: { matchLabels: { a: "b" } },
          template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } },
        },
      },
    ],
  ),
];

describe("robustness", () => {
  let harness: ApiHarness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness?.close();
  });

  it("answers any request with a Status or an object, never a 500, and keeps printing tables", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE"),
        fc.constantFrom(...PATHS),
        fc.constantFrom(...CONTENT_TYPES),
        body,
        fc.boolean(),
        async (method, path, contentType, text, asTable) => {
          for (const [resource, namespace, obj] of SEEDS) {
            const name = (obj.metadata as { name: string }).name;
            if (!harness.store.get(resource, namespace, name)) {
              harness.store.create(resource, { ...structuredClone(obj), metadata: { name, namespace } } as never);
            }
          }
          const headers: Record<string, string> = { "Content-Type": contentType };
          if (asTable) headers.Accept = TABLE_ACCEPT;
          const answer = await call(harness, method, path, { body: method === "GET" ? undefined : text, headers });
          expect(answer.status, `${method} ${path} ${contentType} ${text}: ${answer.text}`).toBeLessThan(500);
        },
      ),
      { numRuns: 400 },
    );
    for (const path of PATHS.filter((p) => !p.match(/\/(p|s|e|x|n|d|r|l)(\/|\?|$)/))) {
      const table = await call(harness, "GET", path, { headers: { Accept: TABLE_ACCEPT } });
      expect(table.status, `${path}: ${table.text}`).toBeLessThan(500);
    }
    expect(harness.logLines.filter((l) => l.level === "error")).toEqual([]);
    expect((await call(harness, "GET", "/healthz")).text).toBe("ok");
  });
});
