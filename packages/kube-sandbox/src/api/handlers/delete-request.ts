import type { DeleteOptions } from "../../controllers/delete-object.js";
import { isDryRun, queryInt } from "../http/query.js";
import type { KubeObject } from "../object-store.js";
import { jsonText } from "../patch/json-value.js";
import { StatusError } from "../status-error.js";

const POLICIES = ["Foreground", "Background", "Orphan"] as const;

/** What a DELETE (or an eviction, which deletes a Pod) asks for. */
export interface DeleteRequest {
  options: DeleteOptions;
  preconditions: { uid?: string; resourceVersion?: string };
  dryRun: boolean;
}

/**
 * Options from a `DeleteOptions` body (kubectl; the `deleteOptions` of an Eviction) or the query (client-node);
 * the body wins. 400 for a propagation policy or grace period Kubernetes would refuse.
 */
export function deleteRequest(query: URLSearchParams, body: unknown): DeleteRequest {
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

/** A delete's preconditions (uid, resourceVersion) must hold, else 409 Conflict. */
export function checkPreconditions(
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
