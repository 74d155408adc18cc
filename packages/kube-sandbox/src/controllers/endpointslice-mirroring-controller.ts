import type { KubeObject, StoreEvent } from "../api/object-store.js";
import { objectKey, parseObjectKey, type Controller } from "./controller.js";
import type { EndpointControllerOptions } from "./endpoint-controller-options.js";
import { MANAGED_BY_LABEL, SERVICE_NAME_LABEL, writeSlices } from "./endpoint-slices.js";
import { managedSliceKeys, managedSlices } from "./managed-slices.js";
import { mirroredContents } from "./mirrored-slice-contents.js";
import { controllerReference } from "./owner-references.js";
import { hasSelector, type Service } from "./service-pods.js";

/** `MANAGED_BY_LABEL` of the slices this controller makes. */
export const MIRRORING_CONTROLLER = "endpointslicemirroring-controller.k8s.io";

/** Endpoints labelled with this set to `true` are not mirrored. */
const SKIP_MIRROR_LABEL = "endpointslice.kubernetes.io/skip-mirror";

/**
 * The endpointslice mirroring controller of kube-controller-manager: the Endpoints a user writes for a
 * Service without selector are mirrored into EndpointSlices `NAME-xxxxx` (see `mirroredContents`),
 * labelled with the Endpoints' labels, `kubernetes.io/service-name` and managed-by
 * `endpointslicemirroring-controller.k8s.io`, and controlled by the Endpoints, so that readers of
 * EndpointSlices (kube-proxy) find them too. The mirrored slices go when the Endpoints or the Service go,
 * when the Service gets a selector or when the Endpoints are labelled `endpointslice.kubernetes.io/skip-mirror`.
 */
export function createEndpointSliceMirroringController(options: EndpointControllerOptions): Controller {
  const { store, deleteObject } = options;
  const logger = options.logger.child({ name: "endpointslice-mirroring-controller" });

  const keysFor = (event: StoreEvent): string[] => {
    const { metadata } = event.object;
    if (event.resource === "endpoints" || event.resource === "services")
      return [objectKey(metadata.namespace, metadata.name)];
    return managedSliceKeys(event, MIRRORING_CONTROLLER);
  };

  return {
    name: "endpointslice-mirroring",
    keysFor,
    initialKeys: () => store.list("endpoints").map((ep) => objectKey(ep.metadata.namespace, ep.metadata.name)),
    reconcile(key: string): void {
      const { namespace, name } = parseObjectKey(key);
      const service: Service | undefined = store.get("services", namespace, name);
      const endpoints = store.get("endpoints", namespace, name);
      const existing = managedSlices(store, namespace, MIRRORING_CONTROLLER).filter(
        (slice) => slice.metadata.labels?.[SERVICE_NAME_LABEL] === name,
      );
      const mirrored = endpoints && service && !hasSelector(service) && !skipsMirroring(endpoints);
      const created = writeSlices(store, deleteObject, {
        namespace,
        serviceName: name,
        labels: {
          ...endpoints?.metadata.labels,
          [SERVICE_NAME_LABEL]: name,
          [MANAGED_BY_LABEL]: MIRRORING_CONTROLLER,
        },
        ownerReferences: endpoints ? [controllerReference(endpoints)] : [],
        contents: mirrored ? mirroredContents(endpoints) : [],
        existing,
      });
      for (const slice of created) logger.info({ endpoints: key, slice }, "mirrored endpoint slice created");
    },
  };
}

function skipsMirroring(endpoints: KubeObject): boolean {
  return endpoints.metadata.labels?.[SKIP_MIRROR_LABEL] === "true";
}
