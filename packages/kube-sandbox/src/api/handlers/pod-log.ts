import type { ApiContext, ApiRequest } from "../api-context.js";
import type { PodLogOptions } from "../../pod-runtime.js";
import { queryFlag, queryInt } from "../http/query.js";
import type { Reply } from "../http/respond.js";

/** `GET .../pods/NAME/log`: the container's output from the kubelet, as plain text. */
export function podLog(ctx: ApiContext, request: ApiRequest): Reply {
  const { route, query } = request;
  const pod = ctx.store.require("pods", route.namespace, route.name!);
  const options: PodLogOptions = {};
  const container = query.get("container");
  if (container) options.container = container;
  if (queryFlag(query, "previous")) options.previous = true;
  if (queryFlag(query, "timestamps")) options.timestamps = true;
  const tailLines = queryInt(query, "tailLines");
  const sinceSeconds = queryInt(query, "sinceSeconds");
  const limitBytes = queryInt(query, "limitBytes");
  if (tailLines !== undefined) options.tailLines = tailLines;
  if (sinceSeconds !== undefined) options.sinceSeconds = sinceSeconds;
  if (limitBytes !== undefined) options.limitBytes = limitBytes;
  return { code: 200, text: ctx.runtime.readLog(pod.metadata.namespace ?? "", pod.metadata.name, options) };
}
