import { isDeepStrictEqual } from "node:util";
import type { KubeObject, ObjectStore, OwnerReference } from "../api/object-store.js";
import type { DeleteObject } from "./delete-object.js";
import { isNamespaceTerminating } from "./namespace-terminating.js";

/** Catalog key of EndpointSlices. */
export const ENDPOINT_SLICES = "endpointslices.discovery.k8s.io";
/** The label naming the Service an EndpointSlice belongs to. */
export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
/** The label naming who manages an EndpointSlice. */
export const MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";

/** One port of an EndpointSlice: the Service port's name (empty when it has none) and protocol, the Pod's port. */
export interface SlicePort {
  /** The Service port's name, `""` when it has none. */
  name: string;
  /** The port on the endpoints. */
  port: number;
  /** `TCP`, `UDP` or `SCTP`. */
  protocol: string;
  /** The Service port's `appProtocol`, when set. */
  appProtocol?: string;
}

/** One endpoint of an EndpointSlice: one address, of a Pod or of whatever an Endpoints object lists. */
export interface SliceEndpoint {
  /** One address, of the slice's address type. */
  addresses: string[];
  /**
   * Whether traffic should go there (`ready`), whether it answers (`serving`) and whether it is stopping
   * (`terminating`). `serving` and `terminating` are left out of slices mirrored from Endpoints, as in
   * Kubernetes.
   */
  conditions: { ready: boolean; serving?: boolean; terminating?: boolean };
  /** The Pod's host name under the Service, as in Endpoints. */
  hostname?: string;
  /** The Pod behind the address. */
  targetRef?: Record<string, unknown>;
  /** The node that runs the Pod. */
  nodeName?: string;
}

/** What one EndpointSlice holds: endpoints of one address type that share the same ports. */
export interface SliceContent {
  /** The family of every address of the slice. */
  addressType: "IPv4" | "IPv6";
  /** The ports of every endpoint of the slice. */
  ports: SlicePort[];
  /** One per Pod or address. */
  endpoints: SliceEndpoint[];
}

/** An EndpointSlice as stored. */
export type EndpointSlice = KubeObject & Partial<SliceContent>;

/** The slices of one Service as a controller wants them, and those it has. */
export interface WantedSlices {
  /** The Service's namespace. */
  namespace: string | undefined;
  /** The Service's name: new slices are named `NAME-xxxxx`. */
  serviceName: string;
  /** Every slice's labels. */
  labels: Record<string, string>;
  /** Every slice's owner references. */
  ownerReferences: OwnerReference[];
  /** One slice per content. */
  contents: SliceContent[];
  /** The slices the controller already manages for the Service. */
  existing: EndpointSlice[];
}

/**
 * Brings a Service's slices in line with `wanted`: each content goes to an existing slice (one with the
 * same address type and ports first), which is written only when it differs; contents left over get new
 * slices (none in a namespace being deleted) and slices left over are deleted. Returns the new slices' names.
 */
export function writeSlices(store: ObjectStore, deleteObject: DeleteObject, wanted: WantedSlices): string[] {
  const { namespace, labels, ownerReferences } = wanted;
  const { pairs, contents, slices } = pairWithSlices(wanted.contents, wanted.existing);
  for (const { content, slice } of pairs) {
    const next: EndpointSlice = { ...slice, metadata: { ...slice.metadata, labels, ownerReferences }, ...content };
    if (!sameSlice(slice, next)) store.update(ENDPOINT_SLICES, next);
  }
  const created: string[] = [];
  if (!isNamespaceTerminating(store, namespace)) {
    for (const content of contents) {
      const slice = store.create(ENDPOINT_SLICES, {
        apiVersion: "discovery.k8s.io/v1",
        kind: "EndpointSlice",
        metadata: { name: "", generateName: `${wanted.serviceName}-`, namespace, labels, ownerReferences },
        ...content,
      });
      created.push(slice.metadata.name);
    }
  }
  for (const slice of slices) deleteObject(ENDPOINT_SLICES, namespace, slice.metadata.name, {});
  return created;
}

/**
 * Pairs each wanted content with an existing slice: first a slice with the same address type and ports,
 * then any slice left. Returns the pairs, the contents that need a new slice and the slices no content needs.
 */
function pairWithSlices(
  contents: SliceContent[],
  existing: EndpointSlice[],
): { pairs: { content: SliceContent; slice: EndpointSlice }[]; contents: SliceContent[]; slices: EndpointSlice[] } {
  const free = [...existing];
  const pairs: { content: SliceContent; slice: EndpointSlice }[] = [];
  const waiting: SliceContent[] = [];
  for (const content of contents) {
    const index = free.findIndex(
      (s) => s.addressType === content.addressType && isDeepStrictEqual(s.ports ?? [], content.ports),
    );
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

function sameSlice(a: EndpointSlice, b: EndpointSlice): boolean {
  const fields = (s: EndpointSlice) => [
    s.metadata.labels ?? {},
    s.metadata.ownerReferences ?? [],
    s.addressType,
    s.ports ?? [],
    s.endpoints ?? [],
  ];
  return isDeepStrictEqual(fields(a), fields(b));
}
