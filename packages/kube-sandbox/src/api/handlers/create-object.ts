import type { ApiContext, ApiRequest } from "../api-context.js";
import { jsonReply, type Reply } from "../http/respond.js";
import { decodeObjectBody } from "../http/request-object.js";
import { isDryRun } from "../http/query.js";
import { applyDefaults } from "../objects/apply-defaults.js";
import { incomingObject, withoutServerFields } from "../objects/incoming-object.js";
import { requireNamespace } from "../objects/require-namespace.js";
import { checkFields } from "../openapi/field-validation.js";
import { claimClusterIp, clusterIpOf } from "../objects/service-addresses.js";
import { StatusError } from "../status-error.js";
import { admitClaim } from "../../storage/claim-admission.js";
import { validateObject } from "../validation/validate-object.js";

/** POST to a collection: 201 with the stored object. */
export async function createObject(ctx: ApiContext, request: ApiRequest): Promise<Reply> {
  const { route } = request;
  const { type } = route;
  const contentType = request.headers["content-type"];
  const raw = await request.body();
  const obj = withoutServerFields(incomingObject(route, decodeObjectBody(contentType, raw)));
  checkFields(type, obj, request, "CreateOptions", raw);
  const dryRun = isDryRun(request.query);
  if (type.namespaced) requireNamespace(ctx.store, route.namespace!, route.resource, obj.metadata.name);
  applyDefaults(type, obj);
  if (route.resource === "persistentvolumeclaims") admitClaim(ctx.store, obj);
  if (route.resource === "pods") ctx.admitPod?.(obj);
  validateObject(type, obj);

  const takenByService = (ip: string) => ctx.store.list("services").some((svc) => clusterIpOf(svc) === ip);
  const claimed = type.plural === "services" ? claimClusterIp(ctx.serviceAddresses, obj, takenByService) : undefined;
  let stored = false;
  try {
    if (dryRun) {
      if (obj.metadata.name && ctx.store.get(route.resource, obj.metadata.namespace, obj.metadata.name)) {
        throw StatusError.alreadyExists(type.plural, type.group, obj.metadata.name);
      }
      return jsonReply(201, obj);
    }
    const created = ctx.store.create(route.resource, obj);
    stored = true;
    return jsonReply(201, created);
  } finally {
    if (claimed && !stored) ctx.serviceAddresses.release(claimed);
  }
}
