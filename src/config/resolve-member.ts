import { renderTemplate } from "./naming-templates.js";
import type { ResolvedCluster, ResolvedMember } from "./types.js";

/** What a member's names and URLs are derived from. */
export type MemberNamingSource = Pick<ResolvedCluster, "name" | "namespace" | "naming" | "memberURLs">;

/**
 * Member `index` (1-based) of a configured cluster: names from the naming templates,
 * URLs from `memberURLs` where given. Throws a RangeError outside 1..members.
 */
export function resolveMember(cluster: ResolvedCluster, index: number): ResolvedMember {
  if (!Number.isInteger(index) || index < 1 || index > cluster.members.length) {
    throw new RangeError(
      `cluster ${cluster.namespace}/${cluster.name} has members 1 to ${cluster.members.length}; there is no member ${index}`,
    );
  }
  return renderMember(cluster, index);
}

/** Renders member `index` without a range check; used while the cluster itself is being resolved. */
export function renderMember(source: MemberNamingSource, index: number): ResolvedMember {
  const values = { name: source.name, namespace: source.namespace, index };
  const override = source.memberURLs[index] ?? {};
  return {
    index,
    name: renderTemplate(source.naming.memberName, values),
    deployment: renderTemplate(source.naming.deployment, values),
    service: renderTemplate(source.naming.service, values),
    clientURL: override.clientURL ?? renderTemplate(source.naming.clientURL, values),
    peerURL: override.peerURL ?? renderTemplate(source.naming.peerURL, values),
  };
}
