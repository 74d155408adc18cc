import type { ApiContext, ApiRequest } from "../api-context.js";
import { decodeObjectBody } from "../http/request-object.js";
import { jsonReply, type Reply } from "../http/respond.js";
import { isJsonObject } from "../patch/json-value.js";
import type { PolicyRule } from "../rbac/policy-rule.js";
import { grantedRules } from "../rbac/rule-sources.js";

/**
 * `POST /apis/authorization.k8s.io/v1/selfsubjectrulesreviews` (`kubectl auth can-i --list`): every rule the
 * requesting user holds in `spec.namespace`, resource rules and non-resource rules apart; `incomplete` with an
 * `evaluationError` when a binding names a missing role.
 */
export async function selfSubjectRulesReview(ctx: ApiContext, request: ApiRequest): Promise<Reply> {
  const review = decodeObjectBody(request.headers["content-type"], await request.body());
  const spec = isJsonObject(review.spec) ? review.spec : {};
  const namespace = typeof spec.namespace === "string" ? spec.namespace : "";
  const granted = grantedRules(ctx.store, request.user, namespace);
  const rules: PolicyRule[] = granted.sources.flatMap((source) => source.rules);
  const resourceRules = rules
    .filter((rule) => !rule.nonResourceURLs?.length)
    .map((rule) => ({
      verbs: rule.verbs ?? [],
      apiGroups: rule.apiGroups ?? [],
      resources: rule.resources ?? [],
      ...(rule.resourceNames?.length ? { resourceNames: rule.resourceNames } : {}),
    }));
  const nonResourceRules = rules
    .filter((rule) => rule.nonResourceURLs?.length)
    .map((rule) => ({ verbs: rule.verbs ?? [], nonResourceURLs: rule.nonResourceURLs }));
  return jsonReply(201, {
    kind: "SelfSubjectRulesReview",
    apiVersion: "authorization.k8s.io/v1",
    metadata: { creationTimestamp: null },
    spec: { namespace },
    status: {
      resourceRules,
      nonResourceRules,
      incomplete: granted.errors.length > 0,
      ...(granted.errors.length > 0 ? { evaluationError: granted.errors.join(", ") } : {}),
    },
  });
}
