import type { KubeObject, ObjectStore } from "../api/object-store.js";
import { selectorMatches } from "../api/label-selector.js";
import type { AddressBlock } from "./address-block.js";

/**
 * How the kubelet picks a Pod's address: the `clusterIP` of the one Service in the Pod's namespace that
 * selects it, when that address lies in the block, so a re-created member comes back where its peers
 * expect it; otherwise a fresh address from the block.
 *
 * An address taken from a Service belongs to the Service: when the Pod goes, release only an address
 * that came from `allocate`, never one that a Service's `clusterIP` holds.
 */
export function podAddressFor(
  store: ObjectStore,
  block: Pick<AddressBlock, "contains" | "allocate">,
): (pod: KubeObject) => string {
  return (pod) => {
    const namespace = pod.metadata.namespace ?? "default";
    const selecting = store.list("services", namespace).filter((service) => {
      const selector = (service.spec as { selector?: Record<string, string> } | undefined)?.selector;
      return selectorMatches(selector, pod.metadata.labels);
    });
    // Two Services selecting one Pod would give it two identities: none of them wins.
    if (selecting.length === 1) {
      const clusterIP = (selecting[0]!.spec as { clusterIP?: unknown }).clusterIP;
      if (typeof clusterIP === "string" && block.contains(clusterIP)) return clusterIP;
    }
    return block.allocate();
  };
}
