import type { ObjectStore, StoreEvent } from "../api/object-store.js";
import { objectKey } from "./controller.js";
import { ENDPOINT_SLICES, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, type EndpointSlice } from "./endpoint-slices.js";

/** The EndpointSlices of `namespace` labelled as managed by `manager`. */
export function managedSlices(store: ObjectStore, namespace: string | undefined, manager: string): EndpointSlice[] {
  return store.list(ENDPOINT_SLICES, namespace, (slice) => slice.metadata.labels?.[MANAGED_BY_LABEL] === manager);
}

/**
 * The work key of the Service a changed or deleted EndpointSlice belongs to, when `manager` manages the
 * slice, so that the manager puts back what someone else changed; none for any other object.
 */
export function managedSliceKeys(event: StoreEvent, manager: string): string[] {
  const { metadata } = event.object;
  if (event.resource !== ENDPOINT_SLICES || metadata.labels?.[MANAGED_BY_LABEL] !== manager) return [];
  const service = metadata.labels[SERVICE_NAME_LABEL];
  return service ? [objectKey(metadata.namespace, service)] : [];
}
