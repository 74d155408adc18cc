export { createEtcdGateway, Etcd3Gateway } from "./etcd3-gateway.js";
export { etcdConnectionFor } from "./connection-for-cluster.js";
export { formatInitialCluster } from "./initial-cluster.js";
export {
  isLearnerNotInSync,
  isLearnerUnsupported,
  isMemberNotFound,
  isMemberNotLearner,
  isNotEnoughStartedMembers,
  isPeerURLExists,
  isTooManyLearners,
  isUnhealthyCluster,
} from "./membership-errors.js";
export { isUnreachable } from "./unreachable.js";
export type {
  EtcdConnection,
  EtcdGateway,
  EtcdGatewayOptions,
  EtcdMember,
  KeyValueHash,
  MemberList,
  MemberStatus,
} from "./types.js";
