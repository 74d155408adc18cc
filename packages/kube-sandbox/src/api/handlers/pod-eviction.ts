import type { ApiContext, ApiRequest } from "../api-context.js";
import { decodeObjectBody } from "../http/request-object.js";
import { jsonReply, successStatus, type Reply } from "../http/respond.js";
import { isJsonObject } from "../patch/json-value.js";
import { StatusError } from "../status-error.js";
import { checkPreconditions, deleteRequest } from "./delete-request.js";

/** The versions of `Eviction` kube-apiserver 1.32 accepts in the body; `policy/v1` is what a body without one is. */
const EVICTION_VERSIONS = ["policy/v1", "policy/v1beta1"];

/**
 * `POST .../pods/NAME/eviction`: an `Eviction` of the Pod (`policy/v1` or `policy/v1beta1`, `metadata.name` the
 * Pod's) deletes it as a DELETE with the Eviction's `deleteOptions` would (grace period, preconditions, dry run),
 * and answers 201 with a `Status` of success whether the Pod is gone or still terminating. The sandbox serves no
 * PodDisruptionBudgets, so no budget ever refuses an eviction.
 */
export async function podEviction(ctx: ApiContext, request: ApiRequest): Promise<Reply> {
  const { route } = request;
  const eviction = decodeObjectBody(request.headers["content-type"], await request.body());
  const kind = typeof eviction.kind === "string" && eviction.kind ? eviction.kind : "Eviction";
  const apiVersion =
    typeof eviction.apiVersion === "string" && eviction.apiVersion ? eviction.apiVersion : EVICTION_VERSIONS[0]!;
  if (kind !== "Eviction" || !EVICTION_VERSIONS.includes(apiVersion)) {
    const version = apiVersion.slice(apiVersion.lastIndexOf("/") + 1);
    throw StatusError.badRequest(
      `${kind} in version "${version}" cannot be handled as a Eviction: ` +
        `no kind "${kind}" is registered for version "${apiVersion}"`,
    );
  }
  const metadata = isJsonObject(eviction.metadata) ? eviction.metadata : {};
  if (metadata.name !== route.name) {
    throw StatusError.badRequest("name in URL does not match name in Eviction object");
  }
  // An eviction is a create: of the query, only `dryRun` applies to the deletion.
  const dryRun = new URLSearchParams(
    request.query.getAll("dryRun").map((value): [string, string] => ["dryRun", value]),
  );
  const parsed = deleteRequest(dryRun, isJsonObject(eviction.deleteOptions) ? eviction.deleteOptions : undefined);
  const pod = ctx.store.require(route.resource, route.namespace, route.name!);
  checkPreconditions(pod, parsed.preconditions, route.type.plural, route.type.group);
  if (!parsed.dryRun) ctx.deleteObject(route.resource, route.namespace, route.name!, parsed.options);
  return jsonReply(201, successStatus({ code: 201 }));
}
