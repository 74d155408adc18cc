import type { ResolvedMember } from "../../core/config/types.js";
import { formatInitialCluster } from "../../gateways/etcd/initial-cluster.js";
import type { EtcdMember } from "../../gateways/etcd/types.js";
import { samePeerURL } from "./peer-url.js";

/**
 * The `--initial-cluster` value for the member being added: every listed member by name and peer URLs, the
 * new one under its configured name. Members that have not started yet are listed without a name; their
 * names come from the configuration (by peer URL). Throws when such a member is not configured.
 */
export function initialClusterValue(
  members: readonly EtcdMember[],
  added: { id: string; name: string },
  configured: readonly ResolvedMember[],
): string {
  const named = members.map((member) => {
    if (member.name !== "" || member.id === added.id) return member;
    const match = configured.find((c) => member.peerURLs.some((url) => samePeerURL(url, c.peerURL)));
    if (!match) {
      throw new Error(
        `member ${member.id} (${member.peerURLs.join(", ")}) has not started and is not a configured member, so its name for --initial-cluster is unknown`,
      );
    }
    return { ...member, name: match.name };
  });
  return formatInitialCluster(named, added);
}
