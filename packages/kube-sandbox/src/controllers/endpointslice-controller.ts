import type { Controller } from "./controller.js";
import type { EndpointControllerOptions } from "./endpoint-controller-options.js";
import { ENDPOINT_SLICES, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, writeSlices } from "./endpoint-slices.js";
import { managedSliceKeys, managedSlices } from "./managed-slices.js";
import { controllerReference, isControlledBy } from "./owner-references.js";
import { createServiceController, type ServiceWork } from "./service-controller.js";
import { endpointLabels, hasPodSelector, podsBehind, type Service } from "./service-pods.js";
import { sliceContents } from "./service-slice-contents.js";

/** `MANAGED_BY_LABEL` of the slices this controller makes. */
export const SLICE_CONTROLLER = "endpointslice-controller.k8s.io";

/**
 * The endpointslice controller of kube-controller-manager: every Service with a selector (not
 * ExternalName) has EndpointSlices `SERVICE-xxxxx` of address type IPv4, one per distinct set of Pod
 * ports (see `sliceContents`), labelled `kubernetes.io/service-name` and managed-by
 * `endpointslice-controller.k8s.io` besides the Service's labels, and controlled by the Service, so the
 * garbage collector deletes them with it. A slice is written only when it changes; slices of other
 * managers, and those of Services without selector, are left alone.
 */
export function createEndpointSliceController(options: EndpointControllerOptions): Controller {
  const { store, deleteObject } = options;
  const logger = options.logger.child({ name: "endpointslice-controller" });

  return createServiceController(store, {
    name: "endpointslice",
    writes: ENDPOINT_SLICES,
    // A managed slice changed or deleted by someone else is put back.
    keysForWritten: (event) => managedSliceKeys(event, SLICE_CONTROLLER),
    reconcile({ key, namespace, name, service }: ServiceWork): void {
      // The slices of a Service that is gone go with it: the garbage collector follows their owner reference.
      if (!service || !hasPodSelector(service)) return;
      const existing = managedSlices(store, namespace, SLICE_CONTROLLER).filter((slice) =>
        isControlledBy(slice, service.metadata.uid),
      );
      const created = writeSlices(store, deleteObject, {
        namespace,
        serviceName: name,
        labels: sliceLabels(service),
        ownerReferences: [controllerReference(service)],
        contents: sliceContents(service, podsBehind(store, service)),
        existing,
      });
      for (const slice of created) logger.info({ service: key, slice }, "endpoint slice created");
    },
  });
}

/** The labels of a Service's slices: the Service's own, the headless mark, its name and the manager. */
function sliceLabels(service: Service): Record<string, string> {
  return {
    ...endpointLabels(service),
    [SERVICE_NAME_LABEL]: service.metadata.name,
    [MANAGED_BY_LABEL]: SLICE_CONTROLLER,
  };
}
