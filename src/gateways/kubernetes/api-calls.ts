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
// the class itself also fits where one is wanted (the tests pass one).

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

/** A request built by a generated factory (which also applies the configuration's credentials). */
type BuildRequest = () => Promise<RequestContext>;

/**
 * Sends a request built by a generated factory through the configuration's middleware and HTTP library, and reads
 * the answer with the generated processor, which throws client-node's ApiException for an answer that is not 2xx.
 * This is what client-node's own API classes do for every call.
 */
async function send<T>(
  configuration: Configuration,
  build: BuildRequest,
  read: (response: ResponseContext) => Promise<HttpInfo<T>>,
  change: (request: RequestContext) => void = () => undefined,
): Promise<T> {
  let request = await build();
  change(request);
  for (const middleware of configuration.middleware) request = await middleware.pre(request).toPromise();
  let response = await configuration.httpApi.send(request).toPromise();
  for (const middleware of [...configuration.middleware].reverse()) {
    response = await middleware.post(response).toPromise();
  }
  return (await read(response)).data;
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

function coreCalls(configuration: Configuration): CoreCalls {
  const factory = new CoreV1ApiRequestFactory(configuration);
  const processor = new CoreV1ApiResponseProcessor();
  return {
    listNamespacedPod: ({ namespace, labelSelector }) =>
      send(
        configuration,
        // pretty, allowWatchBookmarks, _continue, fieldSelector
        () => factory.listNamespacedPod(namespace, undefined, undefined, undefined, undefined, labelSelector),
        (response) => processor.listNamespacedPodWithHttpInfo(response),
      ),
    deleteNamespacedPod: ({ namespace, name, body }) =>
      send(
        configuration,
        // pretty, dryRun, gracePeriodSeconds, ignoreStoreReadErrorWithClusterBreakingPotential, orphanDependents,
        // propagationPolicy
        () => factory.deleteNamespacedPod(name, namespace, ...sixUnset, body),
        (response) => processor.deleteNamespacedPodWithHttpInfo(response),
      ),
    readNamespacedPodLog: ({ namespace, name, container, previous, tailLines }) =>
      send(
        configuration,
        () =>
          factory.readNamespacedPodLog(
            name,
            namespace,
            container,
            undefined, // follow
            undefined, // insecureSkipTLSVerifyBackend
            undefined, // limitBytes
            undefined, // pretty
            previous,
            undefined, // sinceSeconds
            undefined, // stream
            tailLines,
          ),
        (response) => processor.readNamespacedPodLogWithHttpInfo(response),
      ),
    listNamespacedPersistentVolumeClaim: ({ namespace, fieldSelector }) =>
      send(
        configuration,
        // pretty, allowWatchBookmarks, _continue
        () => factory.listNamespacedPersistentVolumeClaim(namespace, undefined, undefined, undefined, fieldSelector),
        (response) => processor.listNamespacedPersistentVolumeClaimWithHttpInfo(response),
      ),
    readNamespacedPersistentVolumeClaim: ({ namespace, name }) =>
      send(
        configuration,
        () => factory.readNamespacedPersistentVolumeClaim(name, namespace),
        (response) => processor.readNamespacedPersistentVolumeClaimWithHttpInfo(response),
      ),
    createNamespacedPersistentVolumeClaim: ({ namespace, body }) =>
      send(
        configuration,
        () => factory.createNamespacedPersistentVolumeClaim(namespace, body),
        (response) => processor.createNamespacedPersistentVolumeClaimWithHttpInfo(response),
      ),
    deleteNamespacedPersistentVolumeClaim: ({ namespace, name, body }) =>
      send(
        configuration,
        // the same six as deleteNamespacedPod
        () => factory.deleteNamespacedPersistentVolumeClaim(name, namespace, ...sixUnset, body),
        (response) => processor.deleteNamespacedPersistentVolumeClaimWithHttpInfo(response),
      ),
    createNamespacedEvent: ({ namespace, body }) =>
      send(
        configuration,
        () => factory.createNamespacedEvent(namespace, body),
        (response) => processor.createNamespacedEventWithHttpInfo(response),
      ),
  };
}

/** The six optional parameters between a delete's namespace and its body, none of which the gateway sets. */
const sixUnset = [undefined, undefined, undefined, undefined, undefined, undefined] as const;

function appsCalls(configuration: Configuration): AppsCalls {
  const factory = new AppsV1ApiRequestFactory(configuration);
  const processor = new AppsV1ApiResponseProcessor();
  return {
    readNamespacedDeployment: ({ namespace, name }) =>
      send(
        configuration,
        () => factory.readNamespacedDeployment(name, namespace),
        (response) => processor.readNamespacedDeploymentWithHttpInfo(response),
      ),
    replaceNamespacedDeployment: ({ namespace, name, body }) =>
      send(
        configuration,
        () => factory.replaceNamespacedDeployment(name, namespace, body),
        (response) => processor.replaceNamespacedDeploymentWithHttpInfo(response),
      ),
    mergePatchNamespacedDeploymentScale: ({ namespace, name, body }) =>
      send(
        configuration,
        () => factory.patchNamespacedDeploymentScale(name, namespace, body),
        (response) => processor.patchNamespacedDeploymentScaleWithHttpInfo(response),
        // The factory names the first patch type it knows (a JSON patch); the body is JSON either way.
        (request) => request.setHeaderParam("Content-Type", "application/merge-patch+json"),
      ),
    readNamespacedStatefulSet: ({ namespace, name }) =>
      send(
        configuration,
        () => factory.readNamespacedStatefulSet(name, namespace),
        (response) => processor.readNamespacedStatefulSetWithHttpInfo(response),
      ),
    replaceNamespacedStatefulSet: ({ namespace, name, body }) =>
      send(
        configuration,
        () => factory.replaceNamespacedStatefulSet(name, namespace, body),
        (response) => processor.replaceNamespacedStatefulSetWithHttpInfo(response),
      ),
  };
}

function authorizationCalls(configuration: Configuration): AuthorizationCalls {
  const factory = new AuthorizationV1ApiRequestFactory(configuration);
  const processor = new AuthorizationV1ApiResponseProcessor();
  return {
    createSelfSubjectAccessReview: ({ body }) =>
      send(
        configuration,
        () => factory.createSelfSubjectAccessReview(body),
        (response) => processor.createSelfSubjectAccessReviewWithHttpInfo(response),
      ),
  };
}

function coordinationCalls(configuration: Configuration): CoordinationCalls {
  const factory = new CoordinationV1ApiRequestFactory(configuration);
  const processor = new CoordinationV1ApiResponseProcessor();
  return {
    readNamespacedLease: ({ namespace, name }) =>
      send(
        configuration,
        () => factory.readNamespacedLease(name, namespace),
        (response) => processor.readNamespacedLeaseWithHttpInfo(response),
      ),
    createNamespacedLease: ({ namespace, body }) =>
      send(
        configuration,
        () => factory.createNamespacedLease(namespace, body),
        (response) => processor.createNamespacedLeaseWithHttpInfo(response),
      ),
    replaceNamespacedLease: ({ namespace, name, body }) =>
      send(
        configuration,
        () => factory.replaceNamespacedLease(name, namespace, body),
        (response) => processor.replaceNamespacedLeaseWithHttpInfo(response),
      ),
    deleteNamespacedLease: ({ namespace, name, body }) =>
      send(
        configuration,
        // the same six as deleteNamespacedPod
        () => factory.deleteNamespacedLease(name, namespace, ...sixUnset, body),
        (response) => processor.deleteNamespacedLeaseWithHttpInfo(response),
      ),
  };
}
