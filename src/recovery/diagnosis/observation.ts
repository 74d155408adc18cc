import type { V1Deployment, V1Pod, V1StatefulSet } from "@kubernetes/client-node";
import type { ResolvedMember } from "../../core/config/types.js";
import type { MemberList, MemberStatus } from "../../gateways/etcd/types.js";
import type { PodFacts } from "../kube/pod-facts.js";
import type { RealCluster } from "./real-cluster.js";

/** What Kubernetes shows about the member being recovered. */
export interface MemberObservation {
  /** What runs the member. */
  workload: "deployment" | "statefulset" | "none";
  /** Its Deployment, when there is one. */
  deployment?: V1Deployment;
  /** A StatefulSet of the member's Deployment name, when there is no Deployment. */
  statefulSet?: V1StatefulSet;
  /** The Deployment's Pod selector as a query string. */
  selector?: string;
  /** Every Pod the selector matches. */
  pods: V1Pod[];
  /** The Pod that stands for the member (newest not being deleted). */
  pod?: V1Pod;
  /** Facts about that Pod's etcd container. */
  facts?: PodFacts;
  /** The etcd container's last log. */
  log: string;
  /** Where the log came from, e.g. `previous run of container etcd`. */
  logSource: string;
}

/** One configured member's answer to a status call. */
export interface StatusProbe {
  member: ResolvedMember;
  /** Its status; undefined when it did not answer. */
  status?: MemberStatus;
  /** Why it did not answer. */
  error?: string;
}

/** What etcd shows: who answers, for which cluster, and that cluster's member list. */
export interface ClusterObservation {
  /** When the members were asked (ms). */
  probedAt: number;
  /** One probe per configured member, in configured order. */
  probes: StatusProbe[];
  /** The cluster the recovery works on. */
  real: RealCluster;
  /** The real cluster's member list; undefined when no member of it returned one. */
  list?: MemberList;
  /** Why there is no list. */
  listError?: string;
}
