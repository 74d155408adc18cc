import { isDeepStrictEqual } from "node:util";
import type { KubeObject, ObjectStore, StoreEvent } from "../api/object-store.js";
import type { Logger } from "../logger.js";
import { objectKey, parseObjectKey, type Controller } from "./controller.js";
import type { DeleteObject } from "./delete-object.js";
import { sliceContents, type SliceContent } from "./endpoint-slices.js";
import { isNamespaceTerminating } from "./namespace-terminating.js";
import { controllerReference, isControlledBy } from "./owner-references.js";
import {
  allServiceKeys,
  hasPodSelector,
  HEADLESS_LABEL,
  isHeadless,
  podsBehind,
  serviceKeysFor,
  type Service,
} from "./service-pods.js";

/** Catalog key of EndpointSlices. */
export const ENDPOINT_SLICES = "endpointslices.discovery.k8s.io";
/** The label naming the Service an EndpointSlice belongs to. */
export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
/** The label naming who manages an EndpointSlice. */
export const MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
/** `MANAGED_BY_LABEL` of the slices this controller makes. */
export const SLICE_CONTROLLER = "endpointslice-controller.k8s.io";

export interface EndpointSliceControllerOptions {
  store: ObjectStore;
  /** Deletes slices no longer needed, the way the API server deletes. */
  deleteObject: DeleteObject;
  logger: Logger;
}

type Slice = KubeObject & Partial<SliceContent> & { addressType?: string };

/**
 * The endpointslice controller of kube-controller-manager: every Service with a selector (not
 * ExternalName) has EndpointSlices `SERVICE-xxxxx` of address type IPv4, one per distinct set of Pod
 * ports (see `sliceContents`), labelled `kubernetes.io/service-name` and managed-by
 * `endpointslice-controller.k8s.io` besides the Service's labels, and controlled by the Service, so the
 * garbage collector deletes them with it. A slice is written only when it changes; slices of other
 * managers, and those of Services without selector, are left alone.
 */
export function createEndpointSliceController(options: EndpointSliceControllerOptions): Controller {
  const { store, deleteObject } = options;
  const logger = options.logger.child({ name: "endpointslice-controller" });

  const keysFor = (event: StoreEvent): string[] => {
    if (event.resource !== ENDPOINT_SLICES) return serviceKeysFor(store, event);
    // A managed slice changed or deleted by someone else is put back.
    const labels = event.object.metadata.labels ?? {};
    const service = labels[SERVICE_NAME_LABEL];
    if (labels[MANAGED_BY_LABEL] !== SLICE_CONTROLLER || !service) return [];
    return [objectKey(event.object.metadata.namespace, service)];
  };

  return {
    name: "endpointslice",
    keysFor,
    initialKeys: () => allServiceKeys(store),
    reconcile(key: string): void {
      const { namespace, name } = parseObjectKey(key);
      const service: Service | undefined = store.get("services", namespace, name);
      // The slices of a Service that is gone go with it: the garbage collector follows their owner reference.
      if (!service || !hasPodSelector(service)) return;
      const labels = sliceLabels(service);
      const ownerReferences = [controllerReference(service)];
      const existing = (store.list(ENDPOINT_SLICES, namespace) as Slice[]).filter(
        (slice) =>
          slice.metadata.labels?.[MANAGED_BY_LABEL] === SLICE_CONTROLLER && isControlledBy(slice, service.metadata.uid),
      );
      const unmatched = pairWithSlices(sliceContents(service, podsBehind(store, service)), existing);
      for (const { content, slice } of unmatched.pairs) {
        const next: Slice = {
          ...slice,
          metadata: { ...slice.metadata, labels, ownerReferences },
          addressType: "IPv4",
          ...content,
        };
        if (!sameSlice(slice, next)) store.update(ENDPOINT_SLICES, next);
      }
      for (const content of unmatched.contents) {
        if (isNamespaceTerminating(store, namespace)) break;
        const created = store.create(ENDPOINT_SLICES, {
          apiVersion: "discovery.k8s.io/v1",
          kind: "EndpointSlice",
          metadata: { name: "", generateName: `${name}-`, namespace, labels, ownerReferences },
          addressType: "IPv4",
          ...content,
        });
        logger.info({ service: key, slice: created.metadata.name }, "endpoint slice created");
      }
      for (const slice of unmatched.slices) deleteObject(ENDPOINT_SLICES, namespace, slice.metadata.name, {});
    },
  };
}

/**
 * Pairs each wanted content with an existing slice: first a slice with the same ports, then any slice
 * left. Returns the pairs, the contents that need a new slice and the slices no content needs.
 */
function pairWithSlices(
  contents: SliceContent[],
  slices: Slice[],
): { pairs: { content: SliceContent; slice: Slice }[]; contents: SliceContent[]; slices: Slice[] } {
  const free = [...slices];
  const pairs: { content: SliceContent; slice: Slice }[] = [];
  const waiting: SliceContent[] = [];
  for (const content of contents) {
    const index = free.findIndex((s) => isDeepStrictEqual(s.ports ?? [], content.ports));
    const [slice] = index >= 0 ? free.splice(index, 1) : [];
    if (slice) pairs.push({ content, slice });
    else waiting.push(content);
  }
  const unpaired: SliceContent[] = [];
  for (const content of waiting) {
    const slice = free.shift();
    if (slice) pairs.push({ content, slice });
    else unpaired.push(content);
  }
  return { pairs, contents: unpaired, slices: free };
}

/** The labels of a Service's slices: the Service's own, the headless mark, its name and the manager. */
function sliceLabels(service: Service): Record<string, string> {
  const labels = { ...service.metadata.labels };
  delete labels[HEADLESS_LABEL];
  if (isHeadless(service)) labels[HEADLESS_LABEL] = "";
  return { ...labels, [SERVICE_NAME_LABEL]: service.metadata.name, [MANAGED_BY_LABEL]: SLICE_CONTROLLER };
}

function sameSlice(a: Slice, b: Slice): boolean {
  const fields = (s: Slice) => [
    s.metadata.labels ?? {},
    s.metadata.ownerReferences ?? [],
    s.addressType,
    s.ports ?? [],
    s.endpoints ?? [],
  ];
  return isDeepStrictEqual(fields(a), fields(b));
}
