import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The gate runs the real npm, pointed with --registry at an advisory service on loopback. The first part of
// the registry URL's path picks what the service answers.
const ADVISORIES: Record<string, unknown> = {
  clean: {},
  high: {
    express: [
      {
        id: 1,
        url: "https://github.com/advisories/GHSA-2345-6789-cfgh",
        title: "Request smuggling",
        severity: "high",
        vulnerable_versions: "<99.0.0",
      },
    ],
  },
  moderate: {
    express: [
      {
        id: 2,
        url: "https://github.com/advisories/GHSA-3456-789c-fghj",
        title: "Open redirect",
        severity: "moderate",
        vulnerable_versions: "<99.0.0",
      },
    ],
  },
  // A dev dependency only: --omit=dev must keep it out.
  dev: {
    eslint: [
      {
        id: 3,
        url: "https://github.com/advisories/GHSA-4567-89cf-ghjm",
        title: "ReDoS",
        severity: "critical",
        vulnerable_versions: "<99.0.0",
      },
    ],
  },
};

let server: Server;
let base: string;
let dir: string;
const asked: string[] = [];

function exceptionsFile(name: string, exceptions: unknown[]): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ exceptions }));
  return file;
}

function runGate(
  scenario: string,
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "scripts/npm-audit-gate.ts", "--registry", `${base}/${scenario}/`, ...args],
      // A cache of its own: npm keeps audit answers, which would carry one scenario's into the next.
      { env: { ...process.env, npm_config_cache: join(dir, "npm-cache"), ...env }, timeout: 60_000 },
      (error, out, err) => resolve({ code: error ? ((error.code as number | undefined) ?? -1) : 0, out, err }),
    );
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "audit-gate-"));
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const [, scenario, ...rest] = (req.url ?? "").split("/");
      const bulk = `/${rest.join("/")}` === "/-/npm/v1/security/advisories/bulk";
      if (!bulk || req.method !== "POST") {
        res.writeHead(404).end("{}");
        return;
      }
      const body = Buffer.concat(chunks);
      const asJson = req.headers["content-encoding"] === "gzip" ? gunzipSync(body) : body;
      asked.push(...Object.keys(JSON.parse(asJson.toString()) as object));
      if (scenario === "down") {
        res.writeHead(405, { allow: "GET,HEAD" }).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(ADVISORIES[scenario ?? ""] ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe("npm audit gate", () => {
  it("passes production dependencies with no advisory, and asks only about production dependencies", async () => {
    const { code, out } = await runGate("clean");
    expect(out).toContain("no high or critical advisory in production dependencies");
    expect(code).toBe(0);
    expect(asked).toContain("express");
    expect(asked).not.toContain("eslint");
  });

  it("fails on a high advisory in a production dependency, naming it and the way out", async () => {
    const { code, err } = await runGate("high");
    expect(code).toBe(1);
    expect(err).toContain("high GHSA-2345-6789-cfgh in express <99.0.0: Request smuggling");
    expect(err).toContain("add an exception with a reason and an end day to scripts/audit-exceptions.json");
  });

  it("lets an accepted advisory through until its exception expires", async () => {
    const file = exceptionsFile("accepted", [
      {
        advisory: "GHSA-2345-6789-cfgh",
        package: "express",
        reason: "the vulnerable parser is not reachable: the receiver reads JSON only",
        expires: "2027-01-31",
      },
    ]);
    const inForce = await runGate("high", ["--exceptions", file, "--today", "2027-01-31"]);
    expect(inForce.code).toBe(0);
    expect(inForce.out).toContain("accepted until 2027-01-31: high GHSA-2345-6789-cfgh in express");
    const expired = await runGate("high", ["--exceptions", file, "--today", "2027-02-01"]);
    expect(expired.code).toBe(1);
    expect(expired.err).toContain("the exception for GHSA-2345-6789-cfgh in express expired on 2027-01-31");
  });

  it("passes advisories below high and ignores dev dependencies' advisories", async () => {
    const moderate = await runGate("moderate");
    expect(moderate.code).toBe(0);
    expect(moderate.out).toContain("(1 below high: see npm audit --omit=dev)");
    expect((await runGate("dev")).code).toBe(0);
  });

  it("says in one line when the advisory service cannot be asked, and fails then only when required", async () => {
    const warned = await runGate("down");
    expect(warned.code).toBe(0);
    expect(warned.err.trim().split("\n")).toHaveLength(1);
    expect(warned.err).toContain("could not be asked (405 Method Not Allowed");
    expect((await runGate("down", [], { NPM_AUDIT_REQUIRED: "1" })).code).toBe(1);
  });

  it("refuses a bad exceptions file with exit 2 and the key at fault", async () => {
    const file = exceptionsFile("bad", [
      { advisory: "CVE-2024-1", package: "express", reason: "because it is", expires: "2027-01-01" },
    ]);
    const { code, err } = await runGate("clean", ["--exceptions", file]);
    expect(code).toBe(2);
    expect(err.trim()).toMatch(/^npm-audit-gate: .*bad\.json: exceptions\.0\.advisory must be a GitHub advisory id/);
  });
});
