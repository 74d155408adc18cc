import type { ObjectStore } from "../object-store.js";
import { clusterIpOf, type ServiceAddresses } from "./service-addresses.js";

/**
 * Keeps the address pool in step with the Services in the store, however they got there or went
 * away (API, controllers, namespace deletion): their addresses are taken, and given back on deletion.
 * Returns a function that stops following the store.
 */
export function trackServiceAddresses(store: ObjectStore, addresses: ServiceAddresses): () => void {
  for (const svc of store.list("services")) {
    const ip = clusterIpOf(svc);
    if (ip) addresses.reserve(ip);
  }
  return store.subscribe((event) => {
    if (event.resource !== "services") return;
    const ip = clusterIpOf(event.object);
    const before = event.previous ? clusterIpOf(event.previous) : undefined;
    if (event.type === "DELETED") {
      if (ip) addresses.release(ip);
      return;
    }
    if (before && before !== ip) addresses.release(before);
    if (ip && ip !== before) addresses.reserve(ip);
  });
}
