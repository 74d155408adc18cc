import { ResponderError } from "../errors/index.js";

/** A request named a member index outside the cluster's configured members. Not retryable: the request is wrong. */
export class UnknownMemberError extends ResponderError {
  /** The cluster, `namespace/name`. */
  readonly cluster: string;
  /** The member index as asked. */
  readonly member: number;

  constructor(cluster: string, member: number, members: number) {
    super(`cluster ${cluster} has members 1 to ${members}; there is no member ${member}`, { retryable: false });
    this.cluster = cluster;
    this.member = member;
  }
}
