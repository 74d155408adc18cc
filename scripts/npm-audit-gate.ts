// The supply-chain gate: fails when a production dependency has a high or critical advisory that
// scripts/audit-exceptions.json does not accept. Run by the README's test command before the tests.
//   node --import tsx scripts/npm-audit-gate.ts [--registry URL] [--exceptions FILE] [--today YYYY-MM-DD]
// Exit 0: nothing fails. 1: an advisory fails, an exception has expired, or (with NPM_AUDIT_REQUIRED=1) the
// registry could not be asked. 2: a bad command line, exceptions file or npm output.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseOptions, UsageError } from "../src/cli/options.js";
import { auditExceptionsSchema, judgeAdvisories, type AuditException } from "./audit/audit-exceptions.js";
import { isAtLeast, readAuditReport, UnreadableAuditReportError, type Advisory } from "./audit/audit-report.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DEFAULT_EXCEPTIONS = resolve(ROOT, "scripts/audit-exceptions.json");
/** The least severity that fails the gate. */
const THRESHOLD = "high";
const AUDIT_TIMEOUT_MS = 120_000;

/** Runs `npm audit` on the production dependencies and returns what it printed (it exits 1 when it finds any). */
function runNpmAudit(registry: string | undefined): Promise<string> {
  const args = ["audit", "--omit=dev", "--json", "--prefer-online", ...(registry ? ["--registry", registry] : [])];
  return new Promise((resolvePromise, reject) => {
    execFile("npm", args, { cwd: ROOT, timeout: AUDIT_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => {
      if (error && stdout.trim() === "") {
        reject(new Error(`npm ${args.join(" ")} printed nothing: ${error.message.split("\n")[0]}`));
      } else resolvePromise(stdout);
    });
  });
}

async function readExceptions(file: string): Promise<AuditException[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read the exceptions file ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${(error as Error).message}`);
  }
  const parsed = auditExceptionsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`${file}: ${issue.path.join(".") || "(top)"} ${issue.message}`);
  }
  return parsed.data.exceptions;
}

function describe(advisory: Advisory): string {
  const { severity, id, packageName, range, title, url } = advisory;
  return `${severity} ${id} in ${packageName} ${range}: ${title} (${url})`;
}

async function main(argv: string[]): Promise<number> {
  const values = parseOptions("npm-audit-gate", argv, {
    registry: { type: "string" },
    exceptions: { type: "string" },
    today: { type: "string" },
  });
  const today = values.today ?? new Date().toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(today)) throw new UsageError(`--today must be YYYY-MM-DD, got "${today}"`);
  const exceptions = await readExceptions(values.exceptions ?? DEFAULT_EXCEPTIONS);
  const report = readAuditReport(await runNpmAudit(values.registry));
  if (report.kind === "unavailable") {
    const required = process.env.NPM_AUDIT_REQUIRED === "1";
    const consequence = required
      ? "failing, since NPM_AUDIT_REQUIRED=1"
      : "production dependencies are NOT checked in this run (set NPM_AUDIT_REQUIRED=1 to fail instead)";
    process.stderr.write(
      `npm-audit-gate: the registry's advisory service could not be asked (${report.reason}); ${consequence}\n`,
    );
    return required ? 1 : 0;
  }
  const serious = report.advisories.filter((advisory) => isAtLeast(advisory.severity, THRESHOLD));
  const verdict = judgeAdvisories(serious, exceptions, today);
  for (const { advisory, exception } of verdict.excepted) {
    process.stdout.write(
      `npm-audit-gate: accepted until ${exception.expires}: ${describe(advisory)}: ${exception.reason}\n`,
    );
  }
  const named = (exception: AuditException) => `the exception for ${exception.advisory} in ${exception.package}`;
  for (const exception of verdict.unused) {
    process.stdout.write(`npm-audit-gate: ${named(exception)} matches nothing now; remove it\n`);
  }
  for (const exception of verdict.expired) {
    process.stderr.write(`npm-audit-gate: ${named(exception)} expired on ${exception.expires}\n`);
  }
  for (const advisory of verdict.failing) process.stderr.write(`npm-audit-gate: ${describe(advisory)}\n`);
  const below = report.advisories.length - serious.length;
  if (verdict.failing.length > 0) {
    process.stderr.write(
      `npm-audit-gate: ${verdict.failing.length} ${THRESHOLD}-or-worse advisories in production dependencies: ` +
        `update the package, or add an exception with a reason and an end day to scripts/audit-exceptions.json\n`,
    );
    return 1;
  }
  process.stdout.write(
    `npm-audit-gate: no ${THRESHOLD} or critical advisory in production dependencies` +
      `${below > 0 ? ` (${below} below ${THRESHOLD}: see npm audit --omit=dev)` : ""}\n`,
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const bad = error instanceof UsageError || error instanceof UnreadableAuditReportError;
    process.stderr.write(`npm-audit-gate: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(bad ? 2 : 1);
  },
);
