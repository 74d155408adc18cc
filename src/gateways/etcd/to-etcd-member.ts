import type { IMember } from "etcd3";
import type { EtcdMember } from "./types.js";

/** The gateway's view of an etcd3 member record. */
export function toEtcdMember(member: IMember): EtcdMember {
  return {
    id: String(member.ID),
    name: member.name ?? "",
    peerURLs: [...(member.peerURLs ?? [])],
    clientURLs: [...(member.clientURLs ?? [])],
    isLearner: Boolean(member.isLearner),
  };
}
