import type { ApiContext, ApiRequest } from "../api-context.js";
import type { DeleteOptions } from "../../controllers/delete-object.js";
import { jsonReply, successStatus, type Reply } from "../http/respond.js";
import { decodeBody } from "../http/request-object.js";
import { isDryRun, queryInt } from "../http/query.js";
import type { KubeObject } from "../object-store.js";
import { objectFilter } from "../objects/object-filter.js";
import { jsonText } from "../patch/json-value.js";
import { groupVersion } from "../resource-catalog.js";
import { StatusError } from "../status-error.js";

const POLICIES = ["Foreground", "Background", "Orphan"] as const;

interface DeleteRequest {
  options: DeleteOptions;
  preconditions: { uid?: string; resourceVersion?: string };
  dryRun: boolean;
}

/** DELETE of an object: 200 with the object still present (Terminating) or a Status Success. */
export async function deleteObject(ctx: ApiContext, request: ApiRequest): Promise<Reply> {
  const { route } = request;
  const parsed = deleteRequest(request.query, decodeBody(request.headers["content-type"], await request.body()));
  const current = ctx.store.require(route.resource, route.namespace, route.name!);
  checkPreconditions(current, parsed.preconditions, route.type.plural, route.type.group);
  if (parsed.dryRun) return jsonReply(200, current);
  const remaining = ctx.deleteObject(route.resource, route.namespace, route.name!, parsed.options);
  if (remaining) return jsonReply(200, remaining);
  return jsonReply(
    200,
    successStatus({
      name: current.metadata.name,
      group: route.type.group,
      kind: route.type.plural,
      uid: current.metadata.uid,
    }),
  );
}

/** DELETE of a collection (with selectors): 200 with a list of what was deleted. */
export async function deleteCollection(ctx: ApiContext, request: ApiRequest): Promise<Reply> {
  const { route } = request;
  const parsed = deleteRequest(request.query, decodeBody(request.headers["content-type"], await request.body()));
  const filter = objectFilter(route.resource, route.namespace, request.query);
  const items: KubeObject[] = [];
  for (const obj of ctx.store.list(route.resource, route.namespace, filter)) {
    if (parsed.dryRun) {
      items.push(obj);
      continue;
    }
    try {
      items.push(ctx.deleteObject(route.resource, obj.metadata.namespace, obj.metadata.name, parsed.options) ?? obj);
    } catch (error) {
      // Something else deleted it meanwhile: that is what was asked for.
      if (!(error instanceof StatusError && error.code === 404)) throw error;
    }
  }
  return jsonReply(200, {
    kind: `${route.type.kind}List`,
    apiVersion: groupVersion(route.type),
    metadata: { resourceVersion: ctx.store.resourceVersion },
    items,
  });
}

/** Options from the body (kubectl) or the query (client-node); the body wins. */
function deleteRequest(query: URLSearchParams, body: unknown): DeleteRequest {
  const fromBody = (body !== null && typeof body === "object" && !Array.isArray(body) ? body : {}) as Record<
    string,
    unknown
  >;
  const policy = fromBody.propagationPolicy ?? query.get("propagationPolicy") ?? undefined;
  const orphan =
    fromBody.orphanDependents ?? (query.has("orphanDependents") ? query.get("orphanDependents") === "true" : undefined);
  const grace = fromBody.gracePeriodSeconds ?? queryInt(query, "gracePeriodSeconds");
  if (policy !== undefined && policy !== null && !POLICIES.includes(policy as (typeof POLICIES)[number])) {
    throw StatusError.badRequest(`propagationPolicy "${jsonText(policy)}" is not one of ${POLICIES.join(", ")}`);
  }
  if (grace !== undefined && grace !== null && (typeof grace !== "number" || !Number.isInteger(grace))) {
    throw StatusError.badRequest("gracePeriodSeconds must be an integer");
  }
  const options: DeleteOptions = {};
  if (typeof policy === "string") options.propagationPolicy = policy as DeleteOptions["propagationPolicy"];
  else if (orphan === true) options.propagationPolicy = "Orphan";
  if (typeof grace === "number") options.gracePeriodSeconds = grace;
  const dryRunInBody = Array.isArray(fromBody.dryRun) && fromBody.dryRun.includes("All");
  const preconditions = (fromBody.preconditions ?? {}) as DeleteRequest["preconditions"];
  return { options, preconditions, dryRun: dryRunInBody || isDryRun(query) };
}

/** A DELETE's preconditions (uid, resourceVersion) must hold, else 409 Conflict. */
function checkPreconditions(
  current: KubeObject,
  wanted: DeleteRequest["preconditions"],
  plural: string,
  group: string,
): void {
  const qualified = group ? `${plural}.${group}` : plural;
  const name = current.metadata.name;
  const failed = (what: string, expected: string, actual: string | undefined) =>
    new StatusError(
      409,
      "Conflict",
      `Operation cannot be fulfilled on ${qualified} "${name}": Precondition failed: ` +
        `${what} in precondition: ${expected}, ${what} in object meta: ${actual ?? ""}`,
      { name, group, kind: plural },
    );
  if (wanted.uid && wanted.uid !== current.metadata.uid) throw failed("UID", wanted.uid, current.metadata.uid);
  if (wanted.resourceVersion && wanted.resourceVersion !== current.metadata.resourceVersion) {
    throw failed("ResourceVersion", wanted.resourceVersion, current.metadata.resourceVersion);
  }
}
