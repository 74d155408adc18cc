import type { Request, RequestHandler, Response } from "express";
import { z } from "zod";
import type { ClusterCatalog } from "../core/catalog.js";
import { CLUSTER_MODES, type ClusterMode, type ResolvedCluster } from "../core/config/types.js";
import type { Logger } from "../core/logger.js";
import type { ClusterModes, ClusterModeState } from "../queue/cluster-modes.js";
import { parseInput } from "./http.js";
import { queryParameters, singleQueryParameter } from "./query.js";

/** What the cluster routes work with. */
export interface ClustersRoutesDeps {
  /** The configured clusters, listed in this order. */
  catalog: ClusterCatalog;
  /** Where the modes are read and set. */
  modes: Pick<ClusterModes, "get" | "set">;
  /** Logs each mode change. */
  logger: Logger;
}

/** A configured cluster and its mode, as `GET /v1/clusters` shows it. */
export interface ClusterAnswer {
  /** The cluster name. */
  name: string;
  /** The cluster's namespace. */
  namespace: string;
  /** Number of members. */
  members: number;
  /** `act`, `observe` or `paused`. */
  mode: ClusterModeState["mode"];
  /** Who set the mode: `config`, `api` or `circuit-breaker`. */
  modeSource: ClusterModeState["source"];
  /** Why, when set through the API or by the circuit breaker. */
  modeReason?: string;
  /** ISO time the mode was set; absent for the configured default. */
  since?: string;
}

const MODE_MESSAGE = `expected one of ${CLUSTER_MODES.join(", ")}`;

const setModeSchema = z.strictObject({
  mode: z.enum(CLUSTER_MODES as [string, ...string[]], { error: MODE_MESSAGE }),
  reason: z.string({ error: "expected a sentence" }).max(500, { error: "expected at most 500 characters" }).optional(),
});

/** The query of `PUT /v1/clusters/:name/mode`: the namespace, for a cluster name used in several. */
const readModeQuery = queryParameters({
  namespace: singleQueryParameter("namespace").min(1, { error: "expected a namespace" }).optional(),
});

/** The query of `GET /v1/clusters`: none. */
const readNoQuery = queryParameters({});

/** `GET /v1/clusters`: every configured cluster with its current mode. */
export function listClustersRoute(deps: ClustersRoutesDeps): RequestHandler {
  return async (request: Request, response: Response) => {
    readNoQuery(request);
    const clusters = await Promise.all(
      deps.catalog.clusters.map(async (cluster) => clusterAnswer(cluster, await deps.modes.get(cluster))),
    );
    response.status(200).json({ clusters });
  };
}

/** `PUT /v1/clusters/:name/mode`: sets a cluster's mode (`act`, `observe` or `paused`) on behalf of a person. */
export function setClusterModeRoute(deps: ClustersRoutesDeps): RequestHandler {
  return async (request: Request, response: Response) => {
    const { namespace } = readModeQuery(request);
    const cluster = deps.catalog.cluster(String(request.params.name), namespace);
    const input = parseInput(setModeSchema, request.body, "request body");
    const mode = input.mode as ClusterMode;
    const state = await deps.modes.set(cluster, mode, "api", input.reason);
    deps.logger.info(
      { cluster: cluster.name, namespace: cluster.namespace, mode, reason: input.reason },
      "cluster mode set",
    );
    response.status(200).json(clusterAnswer(cluster, state));
  };
}

function clusterAnswer(cluster: ResolvedCluster, state: ClusterModeState): ClusterAnswer {
  return {
    name: cluster.name,
    namespace: cluster.namespace,
    members: cluster.members.length,
    mode: state.mode,
    modeSource: state.source,
    ...(state.reason !== undefined ? { modeReason: state.reason } : {}),
    ...(state.since !== undefined ? { since: state.since } : {}),
  };
}
