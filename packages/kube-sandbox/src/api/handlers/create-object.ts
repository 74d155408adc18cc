import type { ApiContext, ApiRequest } from "../api-context.js";
import { jsonReply, type Reply } from "../http/respond.js";
import { decodeObjectBody } from "../http/request-object.js";
import { isDryRun } from "../http/query.js";
import type { KubeObject } from "../object-store.js";
import { applyDefaults } from "../objects/apply-defaults.js";
import { incomingObject, withoutServerFields } from "../objects/incoming-object.js";
import { requireNamespace } from "../objects/require-namespace.js";
import { checkFields } from "../openapi/field-validation.js";
import { claimClusterIp, clusterIpOf } from "../objects/service-addresses.js";
import { recordUpdate, setManagedFields } from "../patch/managed-fields.js";
import type { ResourceRoute } from "../routing/resource-path.js";
import { StatusError } from "../status-error.js";
import { admitClaim } from "../../storage/claim-admission.js";
import { validateObject } from "../validation/validate-object.js";
import { fieldOwnership } from "./field-manager.js";

/** POST to a collection: 201 with the stored object. */
export async function createObject(ctx: ApiContext, request: ApiRequest): Promise<Reply> {
  const { route } = request;
  const raw = await request.body();
  const obj = withoutServerFields(incomingObject(route, decodeObjectBody(request.headers["content-type"], raw)));
  checkFields(route.type, obj, request, "CreateOptions", raw);
  const ownership = fieldOwnership(request, route.type, "CreateOptions");
  const created = storeNewObject(ctx, route, obj, isDryRun(request.query), (defaulted) =>
    setManagedFields(defaulted, recordUpdate(undefined, defaulted, ownership)),
  );
  return jsonReply(201, created);
}

/**
 * Stores a new object (a create, or an apply to a name that does not exist): the namespace must exist, defaults
 * and admission apply, then validation; `record` sets its `managedFields` once it is defaulted. 409 when the name is
 * taken. With `dryRun` nothing is stored.
 */
export function storeNewObject(
  ctx: ApiContext,
  route: ResourceRoute,
  obj: KubeObject,
  dryRun: boolean,
  record: (obj: KubeObject) => void,
): KubeObject {
  const { type } = route;
  if (type.namespaced) requireNamespace(ctx.store, route.namespace!, route.resource, obj.metadata.name);
  applyDefaults(type, obj);
  if (route.resource === "persistentvolumeclaims") admitClaim(ctx.store, obj);
  if (route.resource === "pods") ctx.admitPod?.(obj);
  validateObject(type, obj);
  record(obj);

  const takenByService = (ip: string) => ctx.store.list("services").some((svc) => clusterIpOf(svc) === ip);
  const claimed = type.plural === "services" ? claimClusterIp(ctx.serviceAddresses, obj, takenByService) : undefined;
  let stored = false;
  try {
    if (dryRun) {
      if (obj.metadata.name && ctx.store.get(route.resource, obj.metadata.namespace, obj.metadata.name)) {
        throw StatusError.alreadyExists(type.plural, type.group, obj.metadata.name);
      }
      return obj;
    }
    const created = ctx.store.create(route.resource, obj);
    stored = true;
    return created;
  } finally {
    if (claimed && !stored) ctx.serviceAddresses.release(claimed);
  }
}
