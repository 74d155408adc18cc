import type { ResolvedMember } from "../../core/config/types.js";
import type { EtcdMember } from "../../gateways/etcd/types.js";
import { samePeerURL } from "./peer-url.js";

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
