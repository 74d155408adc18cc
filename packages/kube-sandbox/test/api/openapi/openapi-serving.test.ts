import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RESOURCE_TYPES } from "../../../src/api/resource-catalog.js";
import { UNAUTHORIZED_STATUS } from "../../support.js";
import { startHarness, type ApiHarness } from "../api-harness.js";
import { call } from "../https-client.js";
import { readFields } from "../../../src/api/protobuf/wire-reader.js";
import { request as httpsRequest } from "node:https";

/** A GET whose answer is kept as bytes (protobuf). */
function callRaw(harness: ApiHarness, path: string, accept: string) {
  return new Promise<{ contentType: string | undefined; body: Uint8Array }>((resolve, reject) => {
    const url = new URL(path, harness.server.url);
    const req = httpsRequest(url, { ca: harness.caPem, headers: { Accept: accept }, ...harness.admin }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ contentType: res.headers["content-type"], body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

type Root = { paths: Record<string, { serverRelativeURL: string }> };
type Doc = {
  paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; requestBody?: unknown }>>;
  components: { schemas: Record<string, { "x-kubernetes-group-version-kind"?: Record<string, string>[] }> };
};

const DEPLOYMENT = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  spec: {
    replcas: 1,
    selector: { matchLabels: { app: "web" } },
    template: {
      metadata: { labels: { app: "web" } },
      spec: { containers: [{ name: "main", image: "busybox" }] },
    },
  },
};

const named = (name: string) => ({ ...DEPLOYMENT, metadata: { name } });
const DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments";

describe("OpenAPI v3", () => {
  let harness: ApiHarness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness?.close();
  });

  it("lists every served group-version by a URL with its hash, and serves the document there", async () => {
    const started = Date.now();
    const root = await call(harness, "GET", "/openapi/v3");
    const firstMs = Date.now() - started;
    expect(root.status).toBe(200);
    expect(firstMs).toBeLessThan(2000);
    const { paths } = root.json<Root>();
    const keys = new Set(RESOURCE_TYPES.map((t) => (t.group ? `apis/${t.group}/${t.version}` : `api/${t.version}`)));
    expect(Object.keys(paths).sort()).toEqual([...keys].sort());
    const url = paths["apis/apps/v1"]!.serverRelativeURL;
    expect(url).toMatch(/^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]{128}$/);

    const doc = await call(harness, "GET", url, { headers: { Accept: "application/json" } });
    expect(doc.status).toBe(200);
    expect(doc.headers["content-type"]).toBe("application/json");
    expect(doc.headers["cache-control"]).toBe("public, immutable");
    expect(doc.headers.etag).toBe(`"${url.split("hash=")[1]}"`);
    const notModified = await call(harness, "GET", url, { headers: { "If-None-Match": doc.headers.etag! } });
    expect(notModified.status).toBe(304);
    const stale = await call(harness, "GET", "/openapi/v3/apis/apps/v1?hash=0123");
    expect([stale.status, stale.headers.location]).toEqual([301, url]);
    const plain = await call(harness, "GET", "/openapi/v3/apis/apps/v1");
    expect([plain.status, plain.headers["cache-control"]]).toEqual([200, "no-cache, private"]);
    const protobuf = await call(harness, "GET", url, {
      headers: { Accept: "application/com.github.proto-openapi.spec.v3.v1.0+protobuf" },
    });
    expect(protobuf.status).toBe(406);
  });

  it("declares fieldValidation on every PATCH of a kind, and a schema for every kind", async () => {
    const { paths } = (await call(harness, "GET", "/openapi/v3")).json<Root>();
    for (const t of RESOURCE_TYPES) {
      const key = t.group ? `apis/${t.group}/${t.version}` : `api/${t.version}`;
      const doc = (await call(harness, "GET", paths[key]!.serverRelativeURL)).json<Doc>();
      const kinds = Object.values(doc.components.schemas).flatMap((s) => s["x-kubernetes-group-version-kind"] ?? []);
      expect(kinds, t.kind).toContainEqual({ group: t.group, version: t.version, kind: t.kind });
      if (!t.verbs.includes("patch")) continue;
      const prefix = `/${key}${t.namespaced ? "/namespaces/{namespace}" : ""}/${t.plural}/{name}`;
      const patch = doc.paths[prefix]?.patch;
      expect(patch?.parameters, t.plural).toContainEqual(
        expect.objectContaining({ name: "fieldValidation", in: "query" }),
      );
      expect(patch?.requestBody).toMatchObject({ content: { "application/strategic-merge-patch+json": {} } });
    }
  });

  it("is for authenticated users only", async () => {
    const anonymous = await call(harness, "GET", "/openapi/v3", { client: null });
    expect([anonymous.status, anonymous.json()]).toEqual([401, UNAUTHORIZED_STATUS]);
    expect((await call(harness, "GET", "/openapi/v2", { client: null })).status).toBe(401);
    expect((await call(harness, "GET", "/openapi/v3/apis/nothing.example/v1")).status).toBe(404);
    expect((await call(harness, "POST", "/openapi/v3")).status).toBe(405);
  });
});

describe("OpenAPI v2", () => {
  let harness: ApiHarness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness?.close();
  });

  it("serves the same paths and definitions as Swagger 2.0 JSON", async () => {
    const answer = await call(harness, "GET", "/openapi/v2", { headers: { Accept: "application/json" } });
    expect([answer.status, answer.headers["content-type"]]).toEqual([200, "application/json"]);
    const doc = answer.json<{
      swagger: string;
      paths: Record<string, { patch?: { parameters: { name: string; in: string }[] } }>;
      definitions: Record<string, { properties?: Record<string, { $ref?: string }> }>;
    }>();
    expect(doc.swagger).toBe("2.0");
    const patch = doc.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]!.patch!;
    expect(patch.parameters).toContainEqual(expect.objectContaining({ name: "fieldValidation", in: "query" }));
    expect(patch.parameters).toContainEqual(expect.objectContaining({ name: "body", in: "body" }));
    expect(doc.definitions["io.k8s.api.apps.v1.Deployment"]!.properties!.spec).toMatchObject({
      $ref: "#/definitions/io.k8s.api.apps.v1.DeploymentSpec",
    });
    const again = await call(harness, "GET", "/openapi/v2", { headers: { "If-None-Match": answer.headers.etag! } });
    expect(again.status).toBe(304);
  });

  it("serves it as gnostic's protobuf Document when client-go asks for that", async () => {
    const answer = await callRaw(harness, "/openapi/v2", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf");
    expect(answer.contentType).toBe("application/com.github.proto-openapi.spec.v2.v1.0+protobuf");
    const fields = readFields(answer.body);
    expect(Buffer.from(fields.find((f) => f.field === 1)!.value as Uint8Array).toString()).toBe("2.0");
    const paths = readFields(fields.find((f) => f.field === 8)!.value as Uint8Array);
    const names = paths.map((p) => Buffer.from(readFields(p.value as Uint8Array)[0]!.value as Uint8Array).toString());
    expect(names).toContain("/api/v1/namespaces/{namespace}/pods/{name}");
  });
});

describe("server-side field validation", () => {
  let harness: ApiHarness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness?.close();
  });

  it("refuses unknown and duplicate fields with Strict, as kube-apiserver words it", async () => {
    const answer = await call(harness, "POST", `${DEPLOYMENTS}?fieldValidation=Strict`, { body: named("strict") });
    expect(answer.status).toBe(400);
    expect(answer.json()).toMatchObject({
      reason: "BadRequest",
      message:
        'Deployment in version "v1" cannot be handled as a Deployment: ' +
        'strict decoding error: unknown field "spec.replcas"',
    });
    const twice = JSON.stringify(named("twice")).replace('"replcas":1', '"replicas":1,"replicas":2');
    const duplicate = await call(harness, "POST", `${DEPLOYMENTS}?fieldValidation=Strict`, { body: twice });
    expect(duplicate.json<{ message: string }>().message).toMatch(
      /strict decoding error: duplicate field "spec.replicas"$/,
    );
    expect(harness.store.list("deployments.apps", "default")).toEqual([]);
  });

  it("drops unknown fields and warns by default, and says nothing with Ignore", async () => {
    const warned = await call(harness, "POST", DEPLOYMENTS, { body: named("warned") });
    expect(warned.status).toBe(201);
    expect(warned.headers.warning).toBe('299 - "unknown field \\"spec.replcas\\""');
    expect(harness.store.get("deployments.apps", "default", "warned")?.spec).not.toHaveProperty("replcas");

    const ignored = await call(harness, "POST", `${DEPLOYMENTS}?fieldValidation=Ignore`, { body: named("ignored") });
    expect([ignored.status, ignored.headers.warning]).toEqual([201, undefined]);
  });

  it("checks updates and patches too, and a dry run the same way", async () => {
    const put = await call(harness, "PUT", `${DEPLOYMENTS}/warned?fieldValidation=Strict`, { body: named("warned") });
    expect(put.status).toBe(400);
    const patch = await call(harness, "PATCH", `${DEPLOYMENTS}/warned?fieldValidation=Strict`, {
      body: { spec: { paused: true, pasued: true } },
      headers: { "Content-Type": "application/merge-patch+json" },
    });
    // kube-apiserver: 422 on the field "patch", whose value is the patched object as Go marshals a map.
    expect(patch.status).toBe(422);
    const message = patch.json<{ message: string }>().message;
    expect(message.startsWith(' "" is invalid: patch: Invalid value: "{\\"apiVersion\\":\\"apps/v1\\",')).toBe(true);
    expect(message.endsWith('": strict decoding error: unknown field "spec.pasued"')).toBe(true);
    const strategic = await call(harness, "PATCH", `${DEPLOYMENTS}/warned?fieldValidation=Strict`, {
      body: '{"spec": {"replcas": 1, "paused": true, "paused": false}}',
      headers: { "Content-Type": "application/strategic-merge-patch+json" },
    });
    expect([strategic.status, strategic.json()]).toMatchObject([
      422,
      {
        reason: "Invalid",
        message:
          ' "" is invalid: patch: Invalid value: "map[spec:map[paused:false replcas:1]]": ' +
          'strict decoding error: duplicate field "spec.paused", unknown field "spec.replcas"',
        details: { causes: [{ reason: "FieldValueInvalid", field: "patch" }] },
      },
    ]);
    const warned = await call(harness, "PATCH", `${DEPLOYMENTS}/warned`, {
      body: { spec: { pasued: true } },
      headers: { "Content-Type": "application/strategic-merge-patch+json" },
    });
    expect([warned.status, warned.headers.warning]).toEqual([200, '299 - "unknown field \\"spec.pasued\\""']);
    const dryRun = await call(harness, "POST", `${DEPLOYMENTS}?dryRun=All&fieldValidation=Strict`, {
      body: named("dry"),
    });
    expect(dryRun.status).toBe(400);
    const fine = await call(harness, "POST", `${DEPLOYMENTS}?dryRun=All&fieldValidation=Strict`, {
      body: { ...named("dry"), spec: { ...DEPLOYMENT.spec, replcas: undefined, replicas: 2 } },
    });
    expect(fine.status).toBe(201);
    expect(harness.store.get("deployments.apps", "default", "dry")).toBeUndefined();
  });

  it("refuses a directive it does not know with 422", async () => {
    const answer = await call(harness, "POST", `${DEPLOYMENTS}?fieldValidation=Loud`, { body: named("loud") });
    expect(answer.status).toBe(422);
  });
});
