import type { ApiContext, ApiRequest } from "../api-context.js";
import { jsonReply, type Reply } from "../http/respond.js";
import { decodeObjectBody } from "../http/request-object.js";
import { isDryRun } from "../http/query.js";
import { formatLabelSelector, type LabelSelectorSpec } from "../label-selector.js";
import type { KubeObject } from "../object-store.js";
import { applyPatch } from "../patch/apply-patch.js";
import { isJsonObject, jsonText } from "../patch/json-value.js";
import { recordUpdate, setManagedFields } from "../patch/managed-fields.js";
import { StatusError } from "../status-error.js";
import { invalid } from "../validation/field-causes.js";
import { fieldOwnership } from "./field-manager.js";

interface Scale {
  kind: "Scale";
  apiVersion: "autoscaling/v1";
  metadata: Record<string, unknown>;
  spec: { replicas: number };
  status: { replicas: number; selector: string };
}

/** The `autoscaling/v1` Scale view of a Deployment, ReplicaSet or StatefulSet. */
function scaleOf(obj: KubeObject): Scale {
  const spec = (obj.spec ?? {}) as { replicas?: number; selector?: LabelSelectorSpec };
  const status = (obj.status ?? {}) as { replicas?: number };
  const { name, namespace, uid, resourceVersion, creationTimestamp } = obj.metadata;
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, selector: formatLabelSelector(spec.selector) },
  };
}

/**
 * `.../NAME/scale`: GET the Scale; PUT or PATCH it to change `spec.replicas`, with the Scale's
 * resourceVersion as precondition (409 when stale).
 */
export async function scaleSubresource(ctx: ApiContext, request: ApiRequest): Promise<Reply> {
  const { route, method } = request;
  const current = ctx.store.require(route.resource, route.namespace, route.name!);
  if (method === "GET") return jsonReply(200, scaleOf(current));
  const body = await request.body();
  const contentType = request.headers["content-type"];
  const wanted =
    method === "PUT" ? decodeObjectBody(contentType, body) : applyPatch(contentType, scaleOf(current), body);
  if (!isJsonObject(wanted)) throw StatusError.badRequest("a Scale must be a JSON object");
  const metadata = (isJsonObject(wanted.metadata) ? wanted.metadata : {}) as {
    name?: unknown;
    resourceVersion?: unknown;
  };
  if (metadata.name !== undefined && metadata.name !== "" && metadata.name !== route.name) {
    throw StatusError.badRequest(
      `the name of the object (${jsonText(metadata.name)}) does not match the name on the URL (${route.name!})`,
    );
  }
  const replicas = (isJsonObject(wanted.spec) ? wanted.spec : {}).replicas ?? 0;
  if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0) {
    const detail =
      typeof replicas === "number" && Number.isInteger(replicas)
        ? "must be greater than or equal to 0"
        : "must be an integer";
    throw StatusError.invalid("Scale", "autoscaling", route.name!, [invalid("spec.replicas", replicas, detail)]);
  }
  const rv = typeof metadata.resourceVersion === "string" ? metadata.resourceVersion : undefined;
  const next: KubeObject = {
    ...current,
    metadata: { ...current.metadata, resourceVersion: rv },
    spec: { ...(current.spec as object), replicas },
  };
  setManagedFields(
    next,
    recordUpdate(
      current,
      next,
      fieldOwnership(request, route.type, request.method === "PUT" ? "UpdateOptions" : "PatchOptions"),
      "scale",
    ),
  );
  if (isDryRun(request.query)) {
    if (rv && rv !== current.metadata.resourceVersion)
      throw StatusError.conflict(route.type.plural, route.type.group, route.name!);
    return jsonReply(200, scaleOf({ ...next, metadata: current.metadata }));
  }
  return jsonReply(200, scaleOf(ctx.store.update(route.resource, next)));
}
