import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { servedRoutes } from "../../src/intake/http.js";
import { intakeHarness } from "../support/intake-harness.js";

interface Operation {
  security?: unknown[];
  responses: Record<string, { $ref?: string; content?: Record<string, unknown> }>;
}
interface Document {
  openapi: string;
  security: Record<string, unknown>[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; scheme: string }>; schemas: Record<string, unknown> };
}

const document = parse(readFileSync(new URL("../../openapi.yaml", import.meta.url), "utf8")) as Document;
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];

/** `METHOD /path/{param}` of every operation in the document. */
function documented(): string[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((key) => METHODS.includes(key))
      .map((method) => `${method.toUpperCase()} ${path}`),
  );
}

/** `METHOD /path/{param}` of every route the intake app serves. */
function served(): string[] {
  return servedRoutes(intakeHarness().app).map(
    ({ method, path }) => `${method} ${path.replace(/:([A-Za-z0-9_]+)/g, "{$1}")}`,
  );
}

describe("openapi.yaml", () => {
  it("is OpenAPI 3.1", () => {
    expect(document.openapi).toBe("3.1.0");
  });

  it("documents every route the app serves, and nothing else", () => {
    expect(served().sort()).toEqual(documented().sort());
    expect(served()).toHaveLength(9);
  });

  it("has the bearer and basic security schemes, required everywhere but on the probes", () => {
    expect(document.components.securitySchemes).toMatchObject({
      bearerAuth: { type: "http", scheme: "bearer" },
      basicAuth: { type: "http", scheme: "basic" },
    });
    expect(document.security).toEqual([{ bearerAuth: [] }, { basicAuth: [] }]);
    for (const [path, item] of Object.entries(document.paths)) {
      for (const operation of Object.values(item)) {
        if (path.startsWith("/v1/")) {
          expect(operation.security, path).toBeUndefined();
          expect(operation.responses["401"], `${path} 401`).toBeDefined();
        } else {
          expect(operation.security, path).toEqual([]);
        }
      }
    }
  });

  it("documents the error answers of every /v1 operation", () => {
    for (const [path, item] of Object.entries(document.paths)) {
      if (!path.startsWith("/v1/")) continue;
      for (const [method, operation] of Object.entries(item)) {
        const codes = Object.keys(operation.responses);
        expect(codes, `${method} ${path}`).toEqual(expect.arrayContaining(["401", "500", "503"]));
        if (method === "post" || method === "put")
          expect(codes, `${method} ${path}`).toEqual(expect.arrayContaining(["400", "413", "415"]));
      }
    }
    expect(Object.keys(document.paths["/v1/recoveries"]?.post?.responses ?? {})).toEqual(
      expect.arrayContaining(["202", "404", "409"]),
    );
    expect(Object.keys(document.paths["/v1/clusters/{name}/mode"]?.put?.responses ?? {})).toEqual(
      expect.arrayContaining(["200", "404"]),
    );
    expect(Object.keys(document.paths["/readyz"]?.get?.responses ?? {})).toEqual(["200", "503"]);
  });

  it("resolves every $ref", () => {
    const refs = JSON.stringify(document).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      const target = ref.slice('"$ref":"#/'.length, -1).split("/");
      let node: unknown = document;
      for (const key of target) node = (node as Record<string, unknown> | undefined)?.[key];
      expect(node, ref).toBeDefined();
    }
  });
});
