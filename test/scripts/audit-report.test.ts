import { describe, expect, it } from "vitest";
import { judgeAdvisories, auditExceptionsSchema } from "../../scripts/audit/audit-exceptions.js";
import {
  isAtLeast,
  readAuditReport,
  UnreadableAuditReportError,
  type Advisory,
} from "../../scripts/audit/audit-report.js";

const HOLE = "https://github.com/advisories/GHSA-2345-6789-cfgh";

function report(vulnerabilities: Record<string, unknown>): string {
  return JSON.stringify({ auditReportVersion: 2, vulnerabilities, metadata: {} });
}

describe("readAuditReport", () => {
  it("keeps the advisories and drops the packages that are vulnerable only through another", () => {
    const result = readAuditReport(
      report({
        qs: {
          name: "qs",
          via: [{ source: 1, name: "qs", title: "Prototype pollution", url: HOLE, severity: "high", range: "<6.10.3" }],
        },
        express: { name: "express", via: ["qs"], severity: "high" },
      }),
    );
    expect(result).toEqual({
      kind: "advisories",
      advisories: [
        {
          id: "GHSA-2345-6789-cfgh",
          packageName: "qs",
          title: "Prototype pollution",
          severity: "high",
          range: "<6.10.3",
          url: HOLE,
        },
      ],
    });
  });

  it("says why npm could not ask the registry", () => {
    const text = JSON.stringify({
      message: "405 Method Not Allowed - POST https://registry/-/npm",
      statusCode: 405,
      error: { summary: "", detail: "" },
    });
    expect(readAuditReport(text)).toEqual({
      kind: "unavailable",
      reason: "405 Method Not Allowed - POST https://registry/-/npm",
    });
  });

  it("refuses output that is not an audit report", () => {
    expect(() => readAuditReport("npm ERR! something")).toThrow(UnreadableAuditReportError);
    expect(() => readAuditReport("[]")).toThrow(UnreadableAuditReportError);
    expect(() => readAuditReport('{"auditReportVersion":2}')).toThrow(/neither `vulnerabilities` nor `error`/);
  });

  it("orders severities", () => {
    expect(isAtLeast("critical", "high")).toBe(true);
    expect(isAtLeast("high", "high")).toBe(true);
    expect(isAtLeast("moderate", "high")).toBe(false);
  });
});

describe("judgeAdvisories", () => {
  const advisory: Advisory = {
    id: "GHSA-2345-6789-cfgh",
    packageName: "qs",
    title: "t",
    severity: "high",
    range: "",
    url: HOLE,
  };
  const exception = {
    advisory: "GHSA-2345-6789-cfgh",
    package: "qs",
    reason: "not reachable from our code",
    expires: "2027-01-31",
  };

  it("lets an advisory through until the end of its exception's last day", () => {
    expect(judgeAdvisories([advisory], [exception], "2027-01-31")).toMatchObject({
      failing: [],
      excepted: [{ advisory }],
    });
    const after = judgeAdvisories([advisory], [exception], "2027-02-01");
    expect(after.failing).toEqual([advisory]);
    expect(after.expired).toEqual([exception]);
  });

  it("fails an advisory with no exception, and names exceptions that match nothing", () => {
    const other = { ...exception, package: "express" };
    const verdict = judgeAdvisories([advisory], [other], "2027-01-01");
    expect(verdict.failing).toEqual([advisory]);
    expect(verdict.unused).toEqual([other]);
  });

  it("validates the exceptions file", () => {
    expect(auditExceptionsSchema.safeParse({ exceptions: [exception] }).success).toBe(true);
    for (const bad of [
      { ...exception, advisory: "CVE-2024-1234" },
      { ...exception, reason: "ok" },
      { ...exception, expires: "31/01/2027" },
      { ...exception, extra: true },
    ]) {
      expect(auditExceptionsSchema.safeParse({ exceptions: [bad] }).success).toBe(false);
    }
  });
});
