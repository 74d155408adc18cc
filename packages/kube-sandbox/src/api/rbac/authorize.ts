import { SYSTEM_MASTERS } from "../auth/user-info.js";
import type { ObjectStore } from "../object-store.js";
import { ruleAllows } from "./policy-rule.js";
import type { RequestAttributes } from "./request-attributes.js";
import { grantedRules } from "./rule-sources.js";

/** Whether a request may go on, and why (the reason RBAC gives, or "" when it has none). */
export interface Decision {
  /** Whether the request may go on. */
  allowed: boolean;
  /** `RBAC: allowed by ...`, `RBAC: role... not found`, or "". */
  reason: string;
}

/**
 * Authorizes a request as kube-apiserver does with RBAC: members of `system:masters` may do everything; anyone
 * else what a rule of a role bound to them allows. A denial's reason names the bindings whose role is missing.
 */
export function authorize(store: ObjectStore, attributes: RequestAttributes): Decision {
  if (attributes.user.groups.includes(SYSTEM_MASTERS)) return { allowed: true, reason: "" };
  const granted = grantedRules(store, attributes.user, attributes.namespace);
  for (const source of granted.sources) {
    if (source.rules.some((rule) => ruleAllows(attributes, rule))) {
      return { allowed: true, reason: `RBAC: allowed by ${source.description}` };
    }
  }
  return { allowed: false, reason: granted.errors.length > 0 ? `RBAC: ${aggregate(granted.errors)}` : "" };
}

/** Several errors as Kubernetes joins them: one alone, or `[a, b]`. */
function aggregate(errors: string[]): string {
  return errors.length === 1 ? errors[0]! : `[${errors.join(", ")}]`;
}
