import type { AccessAttributes, AccessDecision, KubernetesGateway } from "../gateways/kubernetes/kubernetes-gateway.js";

/** How long a granted permission is taken as still granted without asking again, ms. */
export const ACCESS_GRANT_TTL_MS = 5_000;

/** Where the permission check gets its answers: the API server, or recent grants. */
export type AccessReviewer = Pick<KubernetesGateway, "reviewAccess">;

/** What `recentAccessGrants` works with. */
export interface AccessGrantsOptions {
  /** Asks the API server (a SelfSubjectAccessReview per call). */
  reviewer: AccessReviewer;
  /** How long a grant is reused, ms; default ACCESS_GRANT_TTL_MS. */
  ttlMs?: number;
  /** Milliseconds since the epoch; default `Date.now`. */
  now?: () => number;
}

/**
 * The recoveries of one process share their permission reviews: an answer granting a permission is reused for
 * `ttlMs`, and recoveries asking the same at the same moment share one review. A denial and a failed review are
 * never kept, so a permission added to the Role counts at the next recovery and a review that failed is asked
 * again. Reusing a grant for a few seconds widens what the check could never close anyway: RBAC can change right
 * after any review, and every request the recovery makes is still authorized by the API server, whose refusal
 * fails the step.
 */
export function recentAccessGrants(options: AccessGrantsOptions): AccessReviewer {
  const ttlMs = options.ttlMs ?? ACCESS_GRANT_TTL_MS;
  const now = options.now ?? Date.now;
  /** Reviews under way and grants with the time their review was asked, by the access they are about. */
  const answers = new Map<string, { askedAt: number; decision: Promise<AccessDecision> }>();
  return {
    reviewAccess(access) {
      const key = accessKey(access);
      const at = now();
      const known = answers.get(key);
      if (known && at - known.askedAt < ttlMs) return known.decision;
      const decision = options.reviewer.reviewAccess(access);
      const entry = { askedAt: at, decision };
      answers.set(key, entry);
      const forget = () => {
        if (answers.get(key) === entry) answers.delete(key);
      };
      decision.then((answer) => {
        if (!answer.allowed) forget();
      }, forget);
      return decision;
    },
  };
}

function accessKey(access: AccessAttributes): string {
  return JSON.stringify([access.namespace, access.group, access.resource, access.subresource ?? "", access.verb]);
}
