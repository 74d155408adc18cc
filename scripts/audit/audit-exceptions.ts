import { z } from "zod";
import type { Advisory } from "./audit-report.js";

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** One advisory the gate lets through for a while, and why. */
const exceptionSchema = z
  .object({
    /** The advisory's GitHub id, `GHSA-xxxx-xxxx-xxxx`, as the gate prints it. */
    advisory: z
      .string()
      .regex(/^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$/i, "must be a GitHub advisory id, GHSA-xxxx-xxxx-xxxx"),
    /** The package the advisory is against. */
    package: z.string().min(1),
    /** Why the advisory does not reach etcd-responder, or what it waits for. Read by the next person. */
    reason: z.string().trim().min(10, "must say why the advisory is accepted (10 characters at least)"),
    /** The last day (UTC, YYYY-MM-DD) the exception holds; from the next day the advisory fails CI again. */
    expires: z.string().regex(DAY, "must be a day written YYYY-MM-DD"),
  })
  .strict();

/** The exceptions file: advisories accepted for a while, each with a reason and an end. */
export const auditExceptionsSchema = z.object({ exceptions: z.array(exceptionSchema) }).strict();

export type AuditException = z.infer<typeof exceptionSchema>;

/** What the gate makes of the advisories and the exceptions on a given day. */
export interface AuditVerdict {
  /** Advisories at or above the threshold with no valid exception: each fails the gate. */
  readonly failing: readonly Advisory[];
  /** Advisories let through by an exception still in force. */
  readonly excepted: readonly { advisory: Advisory; exception: AuditException }[];
  /** Exceptions past their day that still match an advisory: each fails the gate. */
  readonly expired: readonly AuditException[];
  /** Exceptions that match no advisory any more: they should be removed. */
  readonly unused: readonly AuditException[];
}

function matches(exception: AuditException, advisory: Advisory): boolean {
  return exception.advisory.toUpperCase() === advisory.id.toUpperCase() && exception.package === advisory.packageName;
}

/**
 * Sorts `advisories` (already limited to the severities that fail) against `exceptions` on `today`
 * (YYYY-MM-DD, UTC). An exception holds through its `expires` day.
 */
export function judgeAdvisories(
  advisories: readonly Advisory[],
  exceptions: readonly AuditException[],
  today: string,
): AuditVerdict {
  const failing: Advisory[] = [];
  const excepted: { advisory: Advisory; exception: AuditException }[] = [];
  const expired = new Set<AuditException>();
  for (const advisory of advisories) {
    const exception = exceptions.find((candidate) => matches(candidate, advisory));
    if (exception && exception.expires >= today) excepted.push({ advisory, exception });
    else {
      if (exception) expired.add(exception);
      failing.push(advisory);
    }
  }
  const unused = exceptions.filter((exception) => !advisories.some((advisory) => matches(exception, advisory)));
  return { failing, excepted, expired: [...expired], unused };
}
