import type { KubeObject } from "../object-store.js";
import { StatusError } from "../status-error.js";
import { invalid } from "../validation/field-causes.js";

/** Where Services get their cluster IPs. */
export interface ServiceAddresses {
  /** A free address, now taken; throws when none is left. */
  allocate(): string;
  /** Takes a given address; false when it is already taken. */
  reserve(ip: string): boolean;
  /** Gives an address back. */
  release(ip: string): void;
}

/** An in-memory pool of `10.96.0.0/16`-style addresses, for servers started without one. */
export function addressPool(prefix = "10.96", first = 10): ServiceAddresses {
  const taken = new Set<string>();
  const size = 256 * 256;
  return {
    allocate() {
      for (let i = first; i < size - 1; i++) {
        const ip = `${prefix}.${Math.floor(i / 256)}.${i % 256}`;
        if (!taken.has(ip)) {
          taken.add(ip);
          return ip;
        }
      }
      throw new Error(`no free service address left in ${prefix}.0.0/16`);
    },
    reserve(ip) {
      if (taken.has(ip)) return false;
      taken.add(ip);
      return true;
    },
    release(ip) {
      taken.delete(ip);
    },
  };
}

type ServiceSpec = { clusterIP?: unknown; clusterIPs?: unknown; type?: unknown };

/** The cluster IP a Service holds, if any (headless and ExternalName Services hold none). */
export function clusterIpOf(svc: KubeObject): string | undefined {
  const ip = (svc.spec as ServiceSpec | undefined)?.clusterIP;
  return typeof ip === "string" && ip !== "" && ip !== "None" ? ip : undefined;
}

/**
 * Gives a new Service its cluster IP: the one it asks for if free (422 "provided IP is already
 * allocated" when `takenByService` says another Service holds it, 422 too when the pool refuses it
 * otherwise), else a fresh one. Returns the address taken, to give back if the create fails.
 */
export function claimClusterIp(
  addresses: ServiceAddresses,
  svc: KubeObject,
  takenByService: (ip: string) => boolean,
): string | undefined {
  const spec = (svc.spec ?? {}) as ServiceSpec;
  svc.spec = spec;
  if (spec.type === "ExternalName" || spec.clusterIP === "None") return undefined;
  const wanted = typeof spec.clusterIP === "string" && spec.clusterIP !== "" ? spec.clusterIP : undefined;
  if (wanted) {
    if (!addresses.reserve(wanted)) {
      // The pool only says no; whether another Service holds the address tells which no it was.
      const why = takenByService(wanted)
        ? "provided IP is already allocated"
        : "provided IP is not in the valid range or is already allocated";
      throw StatusError.invalid("Service", "", svc.metadata.name, [
        invalid("spec.clusterIPs", [wanted], `failed to allocate IP ${wanted}: ${why}`),
      ]);
    }
  } else {
    try {
      spec.clusterIP = addresses.allocate();
    } catch (error) {
      throw new StatusError(500, "InternalError", `failed to allocate a serviceIP: ${(error as Error).message}`);
    }
  }
  spec.clusterIPs = [spec.clusterIP];
  return spec.clusterIP as string;
}

/** An update keeps the cluster IP: a missing one is carried over, a different one is refused. */
export function keepClusterIp(svc: KubeObject, current: KubeObject): void {
  const spec = (svc.spec ?? {}) as ServiceSpec;
  svc.spec = spec;
  const before = (current.spec ?? {}) as ServiceSpec;
  if (spec.clusterIP === undefined || spec.clusterIP === "") {
    if (before.clusterIP !== undefined) spec.clusterIP = before.clusterIP;
    if (before.clusterIPs !== undefined) spec.clusterIPs = before.clusterIPs;
    return;
  }
  if (before.clusterIP !== undefined && spec.clusterIP !== before.clusterIP) {
    throw StatusError.invalid("Service", "", svc.metadata.name, [
      invalid("spec.clusterIP", spec.clusterIP, "field is immutable"),
    ]);
  }
  spec.clusterIPs ??= [spec.clusterIP];
}
