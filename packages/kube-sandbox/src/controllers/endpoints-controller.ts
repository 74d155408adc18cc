import { isDeepStrictEqual } from "node:util";
import type { KubeObject, ObjectStore, StoreEvent } from "../api/object-store.js";
import { objectKey, type Controller } from "./controller.js";
import type { EndpointControllerOptions } from "./endpoint-controller-options.js";
import { endpointSubsets } from "./endpoint-subsets.js";
import { isNamespaceTerminating } from "./namespace-terminating.js";
import { createServiceController, type ServiceWork } from "./service-controller.js";
import { endpointLabels, hasPodSelector, podsBehind, type Service } from "./service-pods.js";

const ENDPOINTS = "endpoints";

/**
 * The endpoints controller of kube-controller-manager: every Service with a selector (not ExternalName)
 * has an Endpoints object of its name listing the Pods it selects (see `endpointSubsets`), labelled with
 * the Service's labels, written only when it changes. Like Kubernetes, it puts no owner reference on it
 * and deletes it itself when the Service goes; the Endpoints of a Service without selector are left to
 * whoever writes them.
 */
export function createEndpointsController(options: EndpointControllerOptions): Controller {
  const { store, deleteObject } = options;
  const logger = options.logger.child({ name: "endpoints-controller" });

  return createServiceController(store, {
    name: "endpoints",
    writes: ENDPOINTS,
    // An Endpoints object changed or deleted by someone else is put back, when its Service selects Pods.
    keysForWritten(event: StoreEvent): string[] {
      const { namespace, name } = event.object.metadata;
      const service: Service | undefined = store.get("services", namespace, name);
      return service && hasPodSelector(service) ? [objectKey(namespace, name)] : [];
    },
    reconcile({ key, namespace, name, service }: ServiceWork): void {
      const current = store.get(ENDPOINTS, namespace, name);
      if (!service) {
        if (current) deleteObject(ENDPOINTS, namespace, name, {});
        return;
      }
      if (!hasPodSelector(service)) return;
      const wanted = endpointsOf(service, store);
      if (!current) {
        if (isNamespaceTerminating(store, namespace)) return;
        store.create(ENDPOINTS, wanted);
        logger.info({ service: key }, "endpoints created");
        return;
      }
      const same =
        isDeepStrictEqual(current.subsets ?? [], wanted.subsets ?? []) &&
        isDeepStrictEqual(current.metadata.labels ?? {}, wanted.metadata.labels ?? {});
      if (same) return;
      const next: KubeObject = { ...current, metadata: { ...current.metadata, labels: wanted.metadata.labels } };
      delete next.subsets;
      store.update(ENDPOINTS, { ...next, ...(wanted.subsets ? { subsets: wanted.subsets } : {}) });
    },
  });
}

/** The Endpoints object `service` should have now. */
function endpointsOf(service: Service, store: ObjectStore): KubeObject {
  const subsets = endpointSubsets(service, podsBehind(store, service));
  const labels = endpointLabels(service);
  return {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: {
      name: service.metadata.name,
      namespace: service.metadata.namespace,
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
    },
    ...(subsets.length > 0 ? { subsets } : {}),
  };
}
