import type { ApiContext, ApiRequest } from "../api-context.js";
import { createObject } from "../handlers/create-object.js";
import { deleteCollection, deleteObject } from "../handlers/delete-object.js";
import { patchObject } from "../handlers/patch-object.js";
import { podEviction } from "../handlers/pod-eviction.js";
import { podLog } from "../handlers/pod-log.js";
import { getObject, listObjects } from "../handlers/read-objects.js";
import { scaleSubresource } from "../handlers/scale-subresource.js";
import { selfSubjectAccessReview } from "../handlers/self-subject-access-review.js";
import { selfSubjectReview } from "../handlers/self-subject-review.js";
import { selfSubjectRulesReview } from "../handlers/self-subject-rules-review.js";
import { statusSubresource } from "../handlers/status-subresource.js";
import { tokenRequest } from "../handlers/token-request.js";
import { updateObject } from "../handlers/update-object.js";
import { httpErrors } from "../http/http-errors.js";
import type { Reply } from "../http/respond.js";
import { isReview, servesSubresource } from "../resource-catalog.js";
import { StatusError } from "../status-error.js";
import type { ResourceRoute } from "./resource-path.js";

export type Handler = (ctx: ApiContext, request: ApiRequest) => Reply | Promise<Reply>;

type MethodTable = Partial<Record<string, Handler>>;

const COLLECTION: MethodTable = { GET: listObjects, POST: createObject, DELETE: deleteCollection };
const ALL_NAMESPACES: MethodTable = { GET: listObjects };
const OBJECT: MethodTable = { GET: getObject, PUT: updateObject, PATCH: patchObject, DELETE: deleteObject };
const STATUS: MethodTable = { GET: statusSubresource, PUT: statusSubresource, PATCH: statusSubresource };
const SCALE: MethodTable = { GET: scaleSubresource, PUT: scaleSubresource, PATCH: scaleSubresource };
const LOG: MethodTable = { GET: podLog };
const TOKEN: MethodTable = { POST: tokenRequest };
const EVICTION: MethodTable = { POST: podEviction };

/** The review types by catalog key: each answers a POST to its collection. */
const REVIEWS: Record<string, MethodTable> = {
  "selfsubjectaccessreviews.authorization.k8s.io": { POST: selfSubjectAccessReview },
  "selfsubjectrulesreviews.authorization.k8s.io": { POST: selfSubjectRulesReview },
  "selfsubjectreviews.authentication.k8s.io": { POST: selfSubjectReview },
};

const needsUpgrade: Handler = () => {
  throw StatusError.badRequest(
    "Upgrade request required: pods/exec is served over WebSocket (v5.channel.k8s.io or v4.channel.k8s.io)",
  );
};
const EXEC: MethodTable = { GET: needsUpgrade, POST: needsUpgrade };
const portForwardNeedsUpgrade: Handler = () => {
  throw StatusError.badRequest(
    "Upgrade request required: pods/portforward is served over WebSocket (SPDY/3.1+portforward.k8s.io) or SPDY/3.1",
  );
};
const PORT_FORWARD: MethodTable = { GET: portForwardNeedsUpgrade, POST: portForwardNeedsUpgrade };

/** The handler for a method on a resource path; 404 for a subresource not served, 405 for a method. */
export function resourceHandler(route: ResourceRoute, method: string): Handler {
  const table = methodTable(route);
  if (!table) throw httpErrors.pathNotFound();
  const handler = table[method];
  if (!handler) throw httpErrors.methodNotAllowed(method);
  return handler;
}

function methodTable(route: ResourceRoute): MethodTable | undefined {
  const { type, name, subresource, namespace } = route;
  if (isReview(type)) return name === undefined ? REVIEWS[route.resource] : undefined;
  if (name === undefined) return type.namespaced && namespace === undefined ? ALL_NAMESPACES : COLLECTION;
  if (subresource === undefined) return OBJECT;
  if (!servesSubresource(type, subresource)) return undefined;
  switch (subresource) {
    case "status":
      return STATUS;
    case "scale":
      return SCALE;
    case "log":
      return LOG;
    case "exec":
      return EXEC;
    case "portforward":
      return PORT_FORWARD;
    case "token":
      return TOKEN;
    case "eviction":
      return EVICTION;
    default:
      return undefined;
  }
}
