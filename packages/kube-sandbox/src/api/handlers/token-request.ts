import type { ApiContext, ApiRequest } from "../api-context.js";
import { decodeBody } from "../http/request-object.js";
import { jsonReply, type Reply } from "../http/respond.js";
import type { KubeObject } from "../object-store.js";
import { isJsonObject } from "../patch/json-value.js";
import { StatusError } from "../status-error.js";
import { invalid, notSupported } from "../validation/field-causes.js";

/** Token lifetime when the request names none, and the bounds kube-apiserver keeps it in, seconds. */
const DEFAULT_EXPIRATION_SECONDS = 3600;
const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;

interface BoundObjectRef {
  kind?: string;
  apiVersion?: string;
  name?: string;
  uid?: string;
}

/**
 * `POST .../serviceaccounts/NAME/token` (TokenRequest): a token of the ServiceAccount for `spec.audiences`
 * (default the API server's), valid `spec.expirationSeconds` (default 3600, at least 600), bound to the Pod of
 * `spec.boundObjectRef` if given, so that it stops authenticating when either is gone.
 */
export async function tokenRequest(ctx: ApiContext, request: ApiRequest): Promise<Reply> {
  const { route } = request;
  const serviceAccount = ctx.store.require(route.resource, route.namespace, route.name!);
  const body = decodeBody(request.headers["content-type"], await request.body());
  const spec = isJsonObject(body) && isJsonObject(body.spec) ? body.spec : {};
  const expirationSeconds = spec.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
  const invalidBecause = (field: string, value: unknown, why: string) =>
    StatusError.invalid("TokenRequest", "authentication.k8s.io", route.name!, [invalid(field, value, why)]);
  if (typeof expirationSeconds !== "number" || !Number.isInteger(expirationSeconds)) {
    throw invalidBecause("spec.expirationSeconds", expirationSeconds, "must be an integer");
  }
  if (expirationSeconds < MIN_EXPIRATION_SECONDS) {
    throw invalidBecause(
      "spec.expirationSeconds",
      expirationSeconds,
      "may not specify a duration less than 10 minutes",
    );
  }
  if (expirationSeconds > MAX_EXPIRATION_SECONDS) {
    throw invalidBecause(
      "spec.expirationSeconds",
      expirationSeconds,
      "may not specify a duration larger than 2^32 seconds",
    );
  }
  const audiences = Array.isArray(spec.audiences) ? spec.audiences.filter((a) => typeof a === "string") : [];
  const boundRef = isJsonObject(spec.boundObjectRef) ? (spec.boundObjectRef as BoundObjectRef) : undefined;
  const pod = boundRef ? boundPod(ctx, route.namespace!, route.name!, boundRef) : undefined;
  const nodeName = (pod?.spec as { nodeName?: string } | undefined)?.nodeName;
  const node = nodeName ? ctx.store.get("nodes", undefined, nodeName) : undefined;
  const issued = ctx.tokens.issue({ serviceAccount, audiences, expirationSeconds, pod, node });
  return jsonReply(201, {
    kind: "TokenRequest",
    apiVersion: "authentication.k8s.io/v1",
    metadata: { name: serviceAccount.metadata.name, namespace: route.namespace, creationTimestamp: null },
    spec: {
      audiences: audiences.length > 0 ? audiences : ctx.tokens.apiAudiences,
      expirationSeconds,
      boundObjectRef: pod ? { ...boundRef, uid: pod.metadata.uid } : null,
    },
    status: issued,
  });
}

/** The Pod a token is to be bound to; 404 when missing, 409 when it is another Pod of that name than `ref` says. */
function boundPod(ctx: ApiContext, namespace: string, serviceAccount: string, ref: BoundObjectRef): KubeObject {
  if (ref.kind !== "Pod") {
    throw StatusError.invalid("TokenRequest", "authentication.k8s.io", serviceAccount, [
      notSupported("spec.boundObjectRef.kind", ref.kind, ["Pod"]),
    ]);
  }
  const pod = ctx.store.require("pods", namespace, ref.name ?? "");
  if (ref.uid && ref.uid !== pod.metadata.uid) {
    throw new StatusError(
      409,
      "Conflict",
      `the UID in the bound object reference (${ref.uid}) does not match the UID in record. ` +
        "The object might have been deleted and then recreated",
    );
  }
  return pod;
}
