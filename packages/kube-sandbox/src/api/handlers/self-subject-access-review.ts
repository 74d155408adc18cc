import type { ApiContext, ApiRequest } from "../api-context.js";
import { decodeObjectBody } from "../http/request-object.js";
import { jsonReply, type Reply } from "../http/respond.js";
import { isJsonObject } from "../patch/json-value.js";
import { authorize } from "../rbac/authorize.js";
import { nonResourceAttributes, type RequestAttributes } from "../rbac/request-attributes.js";
import { StatusError } from "../status-error.js";
import { required } from "../validation/field-causes.js";

const text = (value: unknown): string => (typeof value === "string" ? value : "");

/**
 * `POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews` (`kubectl auth can-i VERB RESOURCE`): whether the
 * requesting user may do what `spec.resourceAttributes` or `spec.nonResourceAttributes` say, as RBAC decides it.
 */
export async function selfSubjectAccessReview(ctx: ApiContext, request: ApiRequest): Promise<Reply> {
  const review = decodeObjectBody(request.headers["content-type"], await request.body());
  const spec = isJsonObject(review.spec) ? review.spec : {};
  const resource = isJsonObject(spec.resourceAttributes) ? spec.resourceAttributes : undefined;
  const nonResource = isJsonObject(spec.nonResourceAttributes) ? spec.nonResourceAttributes : undefined;
  if (!resource === !nonResource) {
    throw StatusError.invalid("SelfSubjectAccessReview", "authorization.k8s.io", "", [
      required(
        "spec.resourceAttributes",
        "exactly one of nonResourceAttributes or resourceAttributes must be specified",
      ),
    ]);
  }
  const attributes: RequestAttributes = resource
    ? {
        user: request.user,
        verb: text(resource.verb),
        resourceRequest: true,
        path: "",
        apiGroup: text(resource.group),
        apiVersion: text(resource.version),
        resource: text(resource.resource),
        subresource: text(resource.subresource),
        name: text(resource.name),
        namespace: text(resource.namespace),
      }
    : nonResourceAttributes(request.user, text(nonResource!.verb), text(nonResource!.path));
  const decision = authorize(ctx.store, attributes);
  return jsonReply(201, {
    kind: "SelfSubjectAccessReview",
    apiVersion: "authorization.k8s.io/v1",
    metadata: { ...(isJsonObject(review.metadata) ? review.metadata : {}), creationTimestamp: null },
    spec,
    status: { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) },
  });
}
