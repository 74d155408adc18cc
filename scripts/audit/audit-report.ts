/** How bad an advisory is, in npm's words, from least to most severe. */
export const SEVERITIES = ["info", "low", "moderate", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** One advisory against one installed package, as `npm audit --json` reports it. */
export interface Advisory {
  /** The GitHub advisory id (`GHSA-...`), the last part of the advisory's URL. */
  readonly id: string;
  /** The vulnerable package. */
  readonly packageName: string;
  readonly title: string;
  readonly severity: Severity;
  /** The vulnerable version range. */
  readonly range: string;
  readonly url: string;
}

/** What one `npm audit --json` run said: the advisories, or why no advisory could be asked for. */
export type AuditReport =
  | { readonly kind: "advisories"; readonly advisories: readonly Advisory[] }
  | { readonly kind: "unavailable"; readonly reason: string };

/** Thrown for output that is neither an audit report nor an error npm reports. */
export class UnreadableAuditReportError extends Error {
  override readonly name = "UnreadableAuditReportError";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isSeverity(value: unknown): value is Severity {
  return typeof value === "string" && (SEVERITIES as readonly string[]).includes(value);
}

/** The advisory id in a URL such as `https://github.com/advisories/GHSA-xxxx-xxxx-xxxx`, else the whole URL. */
function advisoryId(url: string): string {
  const last = url.split("/").filter(Boolean).at(-1);
  return last && /^GHSA-/i.test(last) ? last : url;
}

/**
 * Reads the JSON that `npm audit --json` printed (report version 2, npm 7 and later). Only the advisories
 * themselves are returned: npm also lists each package that is vulnerable only through a dependency, and those
 * entries name no advisory of their own. When npm could not ask the registry (an audit endpoint that answers
 * an error, no network), the result says why instead.
 */
export function readAuditReport(stdout: string): AuditReport {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new UnreadableAuditReportError(`npm audit printed no JSON: ${JSON.stringify(stdout.slice(0, 200))}`);
  }
  if (!isRecord(parsed)) throw new UnreadableAuditReportError("npm audit printed JSON that is not an object");
  if (isRecord(parsed.vulnerabilities)) return { kind: "advisories", advisories: advisoriesOf(parsed.vulnerabilities) };
  if ("error" in parsed || "statusCode" in parsed) {
    const error = isRecord(parsed.error) ? parsed.error : {};
    const reason = [parsed.message, error.summary, error.code]
      .find((part): part is string => typeof part === "string" && part.trim() !== "")
      ?.trim();
    return { kind: "unavailable", reason: reason ?? "npm audit reported an error without a message" };
  }
  throw new UnreadableAuditReportError("npm audit printed JSON with neither `vulnerabilities` nor `error`");
}

function advisoriesOf(vulnerabilities: Record<string, unknown>): Advisory[] {
  const byKey = new Map<string, Advisory>();
  for (const entry of Object.values(vulnerabilities)) {
    if (!isRecord(entry) || !Array.isArray(entry.via)) continue;
    for (const via of entry.via) {
      if (!isRecord(via) || typeof via.url !== "string" || !isSeverity(via.severity)) continue;
      const packageName = typeof via.name === "string" ? via.name : String(entry.name);
      const advisory: Advisory = {
        id: advisoryId(via.url),
        packageName,
        title: typeof via.title === "string" ? via.title : "(no title)",
        severity: via.severity,
        range: typeof via.range === "string" ? via.range : "",
        url: via.url,
      };
      byKey.set(`${advisory.id} ${packageName}`, advisory);
    }
  }
  return [...byKey.values()].sort((a, b) => a.packageName.localeCompare(b.packageName) || a.id.localeCompare(b.id));
}

/** Whether `severity` is `threshold` or worse. */
export function isAtLeast(severity: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(severity) >= SEVERITIES.indexOf(threshold);
}
