import type { ResolvedMember } from "../../core/config/types.js";
import type { EtcdMember } from "../../gateways/etcd/etcd-gateway.js";

/** A member ID as etcdctl prints it (hex), from the API's uint64 decimal string. */
export function hexId(id: string): string {
  try {
    return BigInt(id).toString(16);
  } catch {
    return id;
  }
}

/** Whether two peer URLs name the same endpoint (case of scheme and host, a trailing slash ignored). */
export function samePeerURL(a: string, b: string): boolean {
  return normalize(a) === normalize(b);
}

function normalize(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, "")}`;
  } catch {
    return url.trim().replace(/\/+$/, "").toLowerCase();
  }
}

/**
 * The listed members that the configuration does not describe: none of their peer URLs is a configured
 * member's. The responder cannot ask such a member for its status, never removes it, and so could never
 * verify the cluster healthy; the guard refuses to start changing a cluster that has one.
 */
export function unconfiguredMembers(
  listed: readonly EtcdMember[],
  configured: readonly ResolvedMember[],
): EtcdMember[] {
  return listed.filter((member) => !member.peerURLs.some((url) => configured.some((c) => samePeerURL(url, c.peerURL))));
}
