import type { EtcdGateway } from "../gateways/etcd/types.js";
import type { Diagnosis } from "./decisions/classify.js";
import type { ClusterObservation, MemberObservation } from "./cluster-view.js";
import type { LeaseLock } from "./lock.js";

/** What the steps of one recovery learn and hand on to later steps. */
export interface RecoveryState {
  /** The Lease, once taken. */
  lock?: LeaseLock;
  /** The member's Kubernetes objects, from Diagnose. */
  member?: MemberObservation;
  /** etcd as Diagnose saw it. */
  cluster?: ClusterObservation;
  /** What Diagnose decided. */
  diagnosis?: Diagnosis;
  /** The gateway for member lists and membership changes of the real cluster (see `RecoveryContext.etcdForCluster`). */
  membership?: EtcdGateway;
  /** Gateways the recovery opened itself and closes at the end. */
  opened: EtcdGateway[];
  /** IDs of the members Guard expects Remove to remove. */
  expectedRemovals: string[];
  /** The member's etcd ID, once known (listed already, or added). */
  memberId?: string;
  /** Whether the member was added (or found) as a learner. */
  learner?: boolean;
  /** The `--initial-cluster` value the member starts with, from Add. */
  initialCluster?: string;
}
