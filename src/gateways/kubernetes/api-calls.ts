import type {
  Configuration,
  CoreV1Event,
  HttpInfo,
  RequestContext,
  ResponseContext,
  V1DeleteOptions,
  V1Deployment,
  V1Lease,
  V1PersistentVolumeClaim,
  V1PersistentVolumeClaimList,
  V1Pod,
  V1PodList,
  V1Scale,
  V1SelfSubjectAccessReview,
  V1StatefulSet,
  V1Status,
} from "@kubernetes/client-node";
import {
  AppsV1ApiRequestFactory,
  AppsV1ApiResponseProcessor,
} from "@kubernetes/client-node/dist/gen/apis/AppsV1Api.js";
import {
  AuthorizationV1ApiRequestFactory,
  AuthorizationV1ApiResponseProcessor,
} from "@kubernetes/client-node/dist/gen/apis/AuthorizationV1Api.js";
import {
  CoordinationV1ApiRequestFactory,
  CoordinationV1ApiResponseProcessor,
} from "@kubernetes/client-node/dist/gen/apis/CoordinationV1Api.js";
import {
  CoreV1ApiRequestFactory,
  CoreV1ApiResponseProcessor,
} from "@kubernetes/client-node/dist/gen/apis/CoreV1Api.js";

// The API calls the gateway makes, built on client-node's generated request factories and response processors
// for the four API groups it uses. client-node's own API classes (`CoreV1Api` and the rest) are defined in one
// module for all 60-odd API groups, which loads every group's code; these load only the four. Each interface takes
// the same request objects as client-node's class of that group, restricted to the fields the gateway passes, so
// that class also fits where these calls are wanted (the tests pass a CoreV1Api). The one call client-node's
// classes lack is named for what it sends: a merge patch of a Deployment's scale.

/** An object of a namespace, by name. */
interface NamedRequest {
  namespace: string;
  name: string;
}

/** The calls of the core group ("" / v1). */
export interface CoreCalls {
  listNamespacedPod(request: { namespace: string; labelSelector?: string }): Promise<V1PodList>;
  deleteNamespacedPod(request: NamedRequest & { body?: V1DeleteOptions }): Promise<V1Pod>;
  readNamespacedPodLog(
    request: NamedRequest & { container?: string; previous?: boolean; tailLines?: number },
  ): Promise<string>;
  listNamespacedPersistentVolumeClaim(request: {
    namespace: string;
    fieldSelector?: string;
  }): Promise<V1PersistentVolumeClaimList>;
  readNamespacedPersistentVolumeClaim(request: NamedRequest): Promise<V1PersistentVolumeClaim>;
  createNamespacedPersistentVolumeClaim(request: {
    namespace: string;
    body: V1PersistentVolumeClaim;
  }): Promise<V1PersistentVolumeClaim>;
  deleteNamespacedPersistentVolumeClaim(
    request: NamedRequest & { body?: V1DeleteOptions },
  ): Promise<V1PersistentVolumeClaim>;
  createNamespacedEvent(request: { namespace: string; body: CoreV1Event }): Promise<CoreV1Event>;
}

/** The calls of the apps/v1 group. */
export interface AppsCalls {
  readNamespacedDeployment(request: NamedRequest): Promise<V1Deployment>;
  replaceNamespacedDeployment(request: NamedRequest & { body: V1Deployment }): Promise<V1Deployment>;
  /** Sends `body` as a JSON merge patch (`application/merge-patch+json`) of the Deployment's scale subresource. */
  mergePatchNamespacedDeploymentScale(request: NamedRequest & { body: object }): Promise<V1Scale>;
  readNamespacedStatefulSet(request: NamedRequest): Promise<V1StatefulSet>;
  replaceNamespacedStatefulSet(request: NamedRequest & { body: V1StatefulSet }): Promise<V1StatefulSet>;
}

/** The calls of the authorization.k8s.io/v1 group. */
export interface AuthorizationCalls {
  createSelfSubjectAccessReview(request: { body: V1SelfSubjectAccessReview }): Promise<V1SelfSubjectAccessReview>;
}

/** The calls of the coordination.k8s.io/v1 group. */
export interface CoordinationCalls {
  readNamespacedLease(request: NamedRequest): Promise<V1Lease>;
  createNamespacedLease(request: { namespace: string; body: V1Lease }): Promise<V1Lease>;
  replaceNamespacedLease(request: NamedRequest & { body: V1Lease }): Promise<V1Lease>;
  deleteNamespacedLease(request: NamedRequest & { body?: V1DeleteOptions }): Promise<V1Status>;
}

/** The gateway's calls of every group, over one configuration (one pool of connections, one set of credentials). */
export interface ApiCalls {
  core: CoreCalls;
  apps: AppsCalls;
  authorization: AuthorizationCalls;
  coordination: CoordinationCalls;
}

/** The names of `T`'s methods that build a request. */
type RequestBuilder<T> = {
  [K in keyof T & string]: T[K] extends (...args: never[]) => Promise<RequestContext> ? K : never;
}[keyof T & string];

/** What the processor's reader of method `M`'s answer yields. */
type AnswerOf<P, M extends string> =
  P extends Record<`${M}WithHttpInfo`, (response: ResponseContext) => infer R>
    ? Awaited<R> extends HttpInfo<infer T>
      ? T
      : never
    : never;

/**
 * A function that makes one call of an API group: builds the request with the generated factory's method (which
 * also applies the configuration's credentials), sends it through the configuration's middleware and HTTP library,
 * and reads the answer with the processor's reader of that method, which throws client-node's ApiException for an
 * answer that is not 2xx. This is what client-node's own API classes do for every call. `change` may alter the
 * request before it is sent.
 */
function groupCaller<F extends object, P extends object>(configuration: Configuration, factory: F, processor: P) {
  return async <M extends RequestBuilder<F>>(
    method: M,
    args: F[M] extends (...args: infer A) => unknown ? A : never,
    change: (request: RequestContext) => void = () => undefined,
  ): Promise<AnswerOf<P, M>> => {
    const build = factory[method] as (...args: unknown[]) => Promise<RequestContext>;
    const read = processor[`${method}WithHttpInfo` as keyof P] as (
      response: ResponseContext,
    ) => Promise<HttpInfo<AnswerOf<P, M>>>;
    let request = await build.apply(factory, args);
    change(request);
    for (const middleware of configuration.middleware) request = await middleware.pre(request).toPromise();
    let response = await configuration.httpApi.send(request).toPromise();
    for (const middleware of [...configuration.middleware].reverse()) {
      response = await middleware.post(response).toPromise();
    }
    return (await read.call(processor, response)).data;
  };
}

/** The calls of every group the gateway uses, over `configuration`. */
export function apiCalls(configuration: Configuration): ApiCalls {
  return {
    core: coreCalls(configuration),
    apps: appsCalls(configuration),
    authorization: authorizationCalls(configuration),
    coordination: coordinationCalls(configuration),
  };
}

// The factories take their parameters by position, in the order of their declarations in client-node's
// `gen/apis/*.d.ts`; the unused ones in between are passed as undefined and named in a comment.

/** The six optional parameters between a delete's namespace and its body, none of which the gateway sets. */
const sixUnset = [undefined, undefined, undefined, undefined, undefined, undefined] as const;

function coreCalls(configuration: Configuration): CoreCalls {
  const call = groupCaller(configuration, new CoreV1ApiRequestFactory(configuration), new CoreV1ApiResponseProcessor());
  return {
    // pretty, allowWatchBookmarks, _continue, fieldSelector
    listNamespacedPod: ({ namespace, labelSelector }) =>
      call("listNamespacedPod", [namespace, undefined, undefined, undefined, undefined, labelSelector]),
    // pretty, dryRun, gracePeriodSeconds, ignoreStoreReadErrorWithClusterBreakingPotential, orphanDependents,
    // propagationPolicy
    deleteNamespacedPod: ({ namespace, name, body }) =>
      call("deleteNamespacedPod", [name, namespace, ...sixUnset, body]),
    // follow, insecureSkipTLSVerifyBackend, limitBytes, pretty; then sinceSeconds, stream
    readNamespacedPodLog: ({ namespace, name, container, previous, tailLines }) =>
      call("readNamespacedPodLog", [
        name,
        namespace,
        container,
        undefined,
        undefined,
        undefined,
        undefined,
        previous,
        undefined,
        undefined,
        tailLines,
      ]),
    // pretty, allowWatchBookmarks, _continue
    listNamespacedPersistentVolumeClaim: ({ namespace, fieldSelector }) =>
      call("listNamespacedPersistentVolumeClaim", [namespace, undefined, undefined, undefined, fieldSelector]),
    readNamespacedPersistentVolumeClaim: ({ namespace, name }) =>
      call("readNamespacedPersistentVolumeClaim", [name, namespace]),
    createNamespacedPersistentVolumeClaim: ({ namespace, body }) =>
      call("createNamespacedPersistentVolumeClaim", [namespace, body]),
    deleteNamespacedPersistentVolumeClaim: ({ namespace, name, body }) =>
      call("deleteNamespacedPersistentVolumeClaim", [name, namespace, ...sixUnset, body]),
    createNamespacedEvent: ({ namespace, body }) => call("createNamespacedEvent", [namespace, body]),
  };
}

function appsCalls(configuration: Configuration): AppsCalls {
  const call = groupCaller(configuration, new AppsV1ApiRequestFactory(configuration), new AppsV1ApiResponseProcessor());
  return {
    readNamespacedDeployment: ({ namespace, name }) => call("readNamespacedDeployment", [name, namespace]),
    replaceNamespacedDeployment: ({ namespace, name, body }) =>
      call("replaceNamespacedDeployment", [name, namespace, body]),
    mergePatchNamespacedDeploymentScale: ({ namespace, name, body }) =>
      // The factory names the first patch type it knows (a JSON patch); the body is JSON either way.
      call("patchNamespacedDeploymentScale", [name, namespace, body], (request) =>
        request.setHeaderParam("Content-Type", "application/merge-patch+json"),
      ),
    readNamespacedStatefulSet: ({ namespace, name }) => call("readNamespacedStatefulSet", [name, namespace]),
    replaceNamespacedStatefulSet: ({ namespace, name, body }) =>
      call("replaceNamespacedStatefulSet", [name, namespace, body]),
  };
}

function authorizationCalls(configuration: Configuration): AuthorizationCalls {
  const factory = new AuthorizationV1ApiRequestFactory(configuration);
  const call = groupCaller(configuration, factory, new AuthorizationV1ApiResponseProcessor());
  return { createSelfSubjectAccessReview: ({ body }) => call("createSelfSubjectAccessReview", [body]) };
}

function coordinationCalls(configuration: Configuration): CoordinationCalls {
  const factory = new CoordinationV1ApiRequestFactory(configuration);
  const call = groupCaller(configuration, factory, new CoordinationV1ApiResponseProcessor());
  return {
    readNamespacedLease: ({ namespace, name }) => call("readNamespacedLease", [name, namespace]),
    createNamespacedLease: ({ namespace, body }) => call("createNamespacedLease", [namespace, body]),
    replaceNamespacedLease: ({ namespace, name, body }) => call("replaceNamespacedLease", [name, namespace, body]),
    deleteNamespacedLease: ({ namespace, name, body }) =>
      call("deleteNamespacedLease", [name, namespace, ...sixUnset, body]),
  };
}
