import { Watch, type CoreV1Api, type KubeConfig, type V1Pod } from "@kubernetes/client-node";
// The generated serializer is not re-exported; it turns watch lines into the same V1Pod shape (Dates) a list gives.
import { ObjectSerializer } from "@kubernetes/client-node/dist/gen/models/ObjectSerializer.js";
import type { ResponderError } from "../../core/errors.js";
import { toKubernetesApiError } from "./kubernetes-api-error.js";
import type { PodListing, PodSource, PodWatchEvent } from "./pod-wait.js";

/** Lists the Pods of `namespace` matching `labelSelector`, with the list's resourceVersion. */
export async function listPods(core: CoreV1Api, namespace: string, labelSelector: string): Promise<PodListing> {
  try {
    const list = await core.listNamespacedPod({ namespace, labelSelector });
    return { pods: list.items, resourceVersion: list.metadata?.resourceVersion ?? "" };
  } catch (error) {
    throw toKubernetesApiError("list", podsObject(namespace, labelSelector), error);
  }
}

/** Tuning of a PodSource's watches. */
export interface PodSourceOptions {
  /** Asks the server to end each watch after this many seconds (`timeoutSeconds`); default: the server's own limit. */
  watchTimeoutSeconds?: number;
}

/** A PodSource over client-node: `listNamespacedPod` and a `Watch` of the same selector. */
export function clientNodePodSource(
  kubeConfig: KubeConfig,
  core: CoreV1Api,
  namespace: string,
  labelSelector: string,
  options: PodSourceOptions = {},
): PodSource {
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`;
  const object = podsObject(namespace, labelSelector);
  return {
    list: () => listPods(core, namespace, labelSelector),
    async watch(resourceVersion, onEvent, onEnd) {
      const controller = await new Watch(kubeConfig).watch(
        path,
        { labelSelector, resourceVersion, timeoutSeconds: options.watchTimeoutSeconds },
        (type: string, raw: unknown) => {
          const event = toPodWatchEvent(type, raw);
          if (event) onEvent(event);
        },
        (error: unknown) => onEnd(watchFailure(object, error)),
      );
      return () => controller.abort();
    },
  };
}

/**
 * The failure a watch ended with, or undefined when it just ended. client-node's Watch gives up on a stream
 * that has been silent for 30 seconds with a TimeoutError; an API server sends nothing while nothing changes, so
 * that is a watch that ended, as when the server ends it, and the wait lists again.
 */
export function watchFailure(object: string, error: unknown): ResponderError | undefined {
  if (error === null || error === undefined || (error as { name?: unknown }).name === "TimeoutError") return undefined;
  return toKubernetesApiError("watch", object, error);
}

/** A watch line as a PodWatchEvent; undefined for types this wait does not know. */
export function toPodWatchEvent(type: string, raw: unknown): PodWatchEvent | undefined {
  switch (type) {
    case "ADDED":
    case "MODIFIED":
    case "DELETED":
      return { type, pod: ObjectSerializer.deserialize(raw, "V1Pod", "") as V1Pod };
    case "BOOKMARK":
      return { type };
    case "ERROR": {
      const status = (raw ?? {}) as { code?: unknown; message?: unknown };
      return {
        type,
        code: typeof status.code === "number" ? status.code : undefined,
        message: typeof status.message === "string" ? status.message : JSON.stringify(raw),
      };
    }
    default:
      return undefined;
  }
}

function podsObject(namespace: string, labelSelector: string): string {
  return `Pods in ${namespace} matching ${labelSelector || "(everything)"}`;
}
