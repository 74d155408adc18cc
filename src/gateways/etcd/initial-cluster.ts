import type { EtcdMember } from "./types.js";

/**
 * The `--initial-cluster` value a newly added member must start with: every member's name and peer URLs,
 * the new member under `name` (the add response lists it without one), as `etcdctl member add` prints it.
 */
export function formatInitialCluster(members: readonly EtcdMember[], added: { id: string; name: string }): string {
  const entries: string[] = [];
  for (const member of members) {
    const name = member.id === added.id ? added.name : member.name;
    for (const url of member.peerURLs) entries.push(`${name}=${url}`);
  }
  return entries.join(",");
}
