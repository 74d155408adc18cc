import type { Request, RequestHandler, Response } from "express";
import { z } from "zod";
import type { ClusterCatalog, ClusterMember } from "../core/catalog.js";
import type { ClusterModes } from "../queue/cluster-modes.js";
import type { Logger } from "../core/logger.js";
import { RECOVERY_STATES, type RecoveryFilter, type RecoveryQueue } from "../queue/recovery-queue.js";
import { HttpError, parseInput } from "./http.js";
import type { PodMembers } from "./pod-member.js";
import { queryParameters, singleQueryParameter } from "./query.js";

/** What the recovery routes work with. */
export interface RecoveriesRoutesDeps {
  /** The configured clusters a request must name. */
  catalog: ClusterCatalog;
  /** Where recoveries are queued and read from. */
  queue: Pick<RecoveryQueue, "enqueue" | "get" | "list">;
  /** Whether a cluster is paused. */
  modes: Pick<ClusterModes, "get">;
  /** Maps a Pod named in a request to its member. */
  podMembers: PodMembers;
  /** Logs each queued recovery. */
  logger: Logger;
}

/** Largest `limit` of a recovery list. */
const MAX_LIST_LIMIT = 1000;

const name = (what: string) =>
  z
    .string({ error: `expected ${what}` })
    .min(1, { error: `expected ${what}` })
    .max(253, { error: `expected ${what}` });
const memberNumber = z
  .number({ error: "expected a member number (1, 2, ...)" })
  .int({ error: "expected a member number (1, 2, ...)" })
  .min(1, { error: "expected a member number (1, 2, ...)" });

/** `{cluster, member}` with an optional `namespace`, for a cluster name used in several namespaces. */
const byMemberSchema = z.strictObject({
  cluster: name("a cluster name"),
  member: memberNumber,
  namespace: name("a namespace").optional(),
});

/** `{namespace, pod}`: the member is found from the Pod, as for an alert. */
const byPodSchema = z.strictObject({
  namespace: name("a namespace"),
  pod: name("a Pod name"),
});

/** `POST /v1/recoveries`: queues a recovery of one member, named directly or through one of its Pods. */
export function createRecoveryRoute(deps: RecoveriesRoutesDeps): RequestHandler {
  return async (request: Request, response: Response) => {
    const body: unknown = request.body;
    const byPod = typeof body === "object" && body !== null && !Array.isArray(body) && "pod" in body;
    let target: ClusterMember;
    if (byPod) {
      const input = parseInput(byPodSchema, body, "request body");
      const found = await deps.podMembers.lookup()(input.namespace, input.pod);
      if (!found) {
        throw new HttpError(
          404,
          `Pod ${input.namespace}/${input.pod} belongs to no configured member; ` +
            `configured clusters: ${deps.catalog.list()}`,
        );
      }
      target = found;
    } else {
      const input = parseInput(byMemberSchema, body, "request body");
      target = deps.catalog.member(input.cluster, input.member, input.namespace);
    }
    const { cluster } = target;

    const mode = await deps.modes.get(cluster);
    if (mode.mode === "paused") {
      throw new HttpError(
        409,
        `cluster ${cluster.name} is paused; PUT /v1/clusters/${cluster.name}/mode {"mode":"act"} to resume`,
      );
    }
    const result = await deps.queue.enqueue({ target, trigger: { kind: "manual" } });
    deps.logger.info(
      {
        id: result.id,
        cluster: result.cluster,
        namespace: result.namespace,
        member: result.member,
        deduplicated: result.deduplicated,
      },
      result.deduplicated ? "recovery already queued" : "recovery queued",
    );
    response.status(202).json({
      id: result.id,
      cluster: result.cluster,
      namespace: result.namespace,
      member: result.member,
      deduplicated: result.deduplicated,
    });
  };
}

/** The query of `GET /v1/recoveries`. */
const readListQuery = queryParameters({
  cluster: singleQueryParameter("cluster").min(1, { error: "expected a cluster name" }).optional(),
  member: singleQueryParameter("member")
    .regex(/^[1-9][0-9]{0,2}$/, { error: "expected a member number (1, 2, ...)" })
    .transform(Number)
    .optional(),
  state: singleQueryParameter("state")
    .refine((value) => (RECOVERY_STATES as readonly string[]).includes(value), {
      error: `expected one of ${RECOVERY_STATES.join(", ")}`,
    })
    .optional(),
  limit: singleQueryParameter("limit")
    .regex(/^[0-9]{1,4}$/, { error: `expected a whole number from 1 to ${MAX_LIST_LIMIT}` })
    .transform(Number)
    .refine((value) => value >= 1 && value <= MAX_LIST_LIMIT, {
      error: `expected a whole number from 1 to ${MAX_LIST_LIMIT}`,
    })
    .optional(),
});

/** The query of `GET /v1/recoveries/:id`: none. */
const readNoQuery = queryParameters({});

/** `GET /v1/recoveries`: recoveries, newest first, narrowed by cluster, member and state. */
export function listRecoveriesRoute(deps: RecoveriesRoutesDeps): RequestHandler {
  return async (request: Request, response: Response) => {
    const query = readListQuery(request);
    const filter: RecoveryFilter = {
      ...(query.cluster !== undefined ? { cluster: query.cluster } : {}),
      ...(query.member !== undefined ? { member: query.member } : {}),
      ...(query.state !== undefined ? { state: query.state as RecoveryFilter["state"] } : {}),
      ...(query.limit !== undefined ? { limit: query.limit } : {}),
    };
    response.status(200).json({ recoveries: await deps.queue.list(filter) });
  };
}

/** `GET /v1/recoveries/:id`: one recovery, or 404 when unknown or aged out of the history. */
export function getRecoveryRoute(deps: RecoveriesRoutesDeps): RequestHandler {
  return async (request: Request, response: Response) => {
    readNoQuery(request);
    const id = String(request.params.id);
    const record = await deps.queue.get(id);
    if (!record)
      throw new HttpError(404, `no recovery ${JSON.stringify(id)}; it is unknown or aged out of the history`);
    response.status(200).json(record);
  };
}
