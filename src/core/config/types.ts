import type { NamingTemplates } from "./naming.js";

/** Client TLS material for talking to etcd, read from the configured files at start-up. */
export interface ClusterTls {
  /** CA certificate(s) that sign the etcd server certificates, PEM. */
  ca: string;
  /** Client certificate, PEM; absent when etcd does not ask for one. */
  cert?: string;
  /** Client private key, PEM; absent with `cert`. Never serialized: see `ResolvedCluster.toJSON`. */
  key?: string;
}

/** etcd user and password. */
export interface ClusterAuth {
  /** etcd user name. */
  username: string;
  /** The password, read from `passwordFile`. Never serialized: see `ResolvedCluster.toJSON`. */
  password: string;
}

/** Snapshots taken before a member is changed. */
interface SnapshotSettings {
  /** Take a snapshot before the first membership change; default `true`. */
  enabled: boolean;
  /** Directory the snapshot files go to; default `/var/lib/etcd-responder/snapshots`. */
  dir: string;
  /** How many snapshots to keep per cluster, oldest removed first; default `3`. */
  keep: number;
}

/** Explicit URLs for one member, overriding the naming templates. */
export interface MemberURLOverride {
  /** Replaces the rendered `naming.clientURL`. */
  clientURL?: string;
  /** Replaces the rendered `naming.peerURL`. */
  peerURL?: string;
}

/** A member run by a Deployment of its own (the seed's layout). */
export interface DeploymentMemberWorkload {
  kind: "Deployment";
  /** The member's Deployment. */
  name: string;
  /** The member's Service. */
  service: string;
}

/** A member run as one Pod of a StatefulSet. */
export interface StatefulSetMemberWorkload {
  kind: "StatefulSet";
  /** The StatefulSet. */
  name: string;
  /** Its headless Service, under which the member's Pod has its DNS name. */
  serviceName: string;
  /** The member's Pod ordinal: member index - 1. */
  ordinal: number;
  /** The member's Pod, `STATEFULSET-ORDINAL`. */
  pod: string;
  /** The member's PersistentVolumeClaim, `TEMPLATE-STATEFULSET-ORDINAL`. */
  claim: string;
}

/** What runs a member. */
export type MemberWorkload = DeploymentMemberWorkload | StatefulSetMemberWorkload;

/** One etcd member of a configured cluster, with every name and URL worked out. */
export interface ResolvedMember {
  /** Member index, 1-based. */
  index: number;
  /** etcd member name (`--name`). */
  name: string;
  /** What runs the member: its own Deployment, or one Pod of the cluster's StatefulSet. */
  workload: MemberWorkload;
  /** URL clients use to reach this member. */
  clientURL: string;
  /** URL peers use to reach this member; it identifies the member in the etcd member list. */
  peerURL: string;
}

/**
 * When the PersistentVolumeClaim of a member that keeps its data on one (a StatefulSet member, or a Deployment whose
 * Pod mounts a claim) is emptied during a recovery.
 */
export type ClaimDeletion = "when-stale" | "always";

/** How a StatefulSet runs a cluster's members. */
export interface StatefulSetSettings {
  /** The StatefulSet; default the cluster name. */
  name: string;
  /** Its headless Service (`spec.serviceName`); default `NAME-headless`. */
  serviceName: string;
  /** The volumeClaimTemplate holding the data dir; default `data`. */
  volumeClaimTemplate: string;
  /**
   * The image's start scripts add an emptied member back themselves, as a voting member (the bitnami etcd image):
   * the recovery removes the stale member and replaces the Pod, and adds nothing. Default `false`.
   */
  joinsByItself: boolean;
}

/** A configured etcd cluster with defaults applied, files read and members resolved. */
export interface ResolvedCluster {
  /** Cluster name (DNS-1123 label). */
  name: string;
  /** Kubernetes namespace of the members' workloads and Services; default `default`. */
  namespace: string;
  /** Every member, indexes 1..n in order. */
  members: ResolvedMember[];
  /** Set when a StatefulSet runs the members; absent: one Deployment per member. */
  statefulSet?: StatefulSetSettings;
  /** Pinned etcd cluster ID as a uint64 decimal string; recovery refuses when etcd reports another. */
  clusterID?: string;
  /** Client TLS, when configured. */
  tls?: ClusterTls;
  /** etcd password authentication, when configured. */
  auth?: ClusterAuth;
  /** Add the new member as a learner, then promote it; default `true`. */
  useLearners: boolean;
  /**
   * For members on a PersistentVolumeClaim: `when-stale` (default) empties the claim only when the member's log
   * shows its data dir holds a write-ahead log the cluster no longer knows; `always` on every recovery of the
   * member. File: `deleteClaim`, or `statefulSet.deleteClaim`.
   */
  deleteClaim: ClaimDeletion;
  /** Snapshot settings. */
  snapshots: SnapshotSettings;
  /** The naming templates in force (defaults merged with the file). */
  naming: NamingTemplates;
  /** Per-member URL overrides, keyed by member index. */
  memberURLs: Readonly<Record<number, MemberURLOverride>>;
  /** This cluster's configured mode; absent: `service.defaultMode` applies. */
  mode?: ClusterMode;
  /** A copy safe to log: the TLS key and the password are replaced by `[redacted]`. */
  toJSON(): Record<string, unknown>;
}

/** Global recovery settings. */
export interface RecoverySettings {
  /** How long a member must have been unreachable (and its Pod gone or not Ready) to count as dead; default `5`. */
  deadAfterSeconds: number;
  /** Deadline of each wait in a recovery; default `120`. */
  stepTimeoutSeconds: number;
  /** Duration of the per-cluster Kubernetes Lease held during a recovery; default `15`. */
  leaseDurationSeconds: number;
}

/**
 * What the responder may do on a cluster: `act` recovers; `observe` diagnoses and records the plan,
 * changing nothing; `paused` queues nothing.
 */
export type ClusterMode = "act" | "observe" | "paused";

/** Every cluster mode. */
export const CLUSTER_MODES: readonly ClusterMode[] = ["act", "observe", "paused"];

/** The mode a recovery runs in: `act`, or `observe` (Diagnose and Guard only, nothing changed). */
export type RecoveryMode = Exclude<ClusterMode, "paused">;

/** Finished recoveries kept in the queue's history. */
interface HistorySettings {
  /** Finished recoveries kept per cluster, for succeeded and failed ones each; default `1000`. */
  maxRecoveries: number;
  /** Hours a finished recovery is kept; default `168`. */
  maxAgeHours: number;
}

/** When repeated failures put a cluster in `observe`. */
export interface CircuitBreakerSettings {
  /** Failed recoveries of one cluster within the window that trip the breaker; default `3`. */
  failures: number;
  /** The window, minutes; default `60`. */
  windowMinutes: number;
}

/** Retries of transiently failed recoveries. */
interface RetrySettings {
  /** Attempts in all; default `5`. */
  attempts: number;
  /** First back-off, seconds, doubling with each attempt; default `2`. */
  backoffSeconds: number;
}

/** The periodic crash-loop sweep. */
interface SweepSettings {
  /** Whether the sweep runs; default `false`. */
  enabled: boolean;
  /** Seconds between sweeps; default `60`. */
  intervalSeconds: number;
}

/** How the running service queues and runs recoveries. */
export interface ServiceSettings {
  /** Alert names that trigger recoveries; default `["KubePodCrashLooping"]`. */
  alertNames: string[];
  /** Mode of clusters without a `mode` of their own; default `act`. */
  defaultMode: ClusterMode;
  /** Finished recoveries kept; default 1000 per cluster, for 168 hours. */
  history: HistorySettings;
  /** Failures that put a cluster in `observe`; default 3 within 60 minutes. */
  circuitBreaker: CircuitBreakerSettings;
  /** Retries of transient failures; default 5 attempts, back-off from 2 s. */
  retry: RetrySettings;
  /** Periodic crash-loop sweep; default disabled, every 60 s. */
  sweep: SweepSettings;
}

/**
 * What a notification is about: a recovery `started` (its first attempt), ended (`succeeded`, `skipped`, `refused`,
 * `failed` for good), or its failure tripped the cluster's circuit breaker (`breakerTripped`).
 */
export type NotificationEvent = "started" | "succeeded" | "skipped" | "refused" | "failed" | "breakerTripped";

/** Every notification event, in the order a recovery goes through them. */
export const NOTIFICATION_EVENTS = [
  "started",
  "succeeded",
  "skipped",
  "refused",
  "failed",
  "breakerTripped",
] as const satisfies readonly NotificationEvent[];

/** The message format of a notification target. */
export type NotificationFormat = "slack" | "json";

/** One webhook told about recoveries, its URL read from its file. */
export interface NotificationTarget {
  /** Its name in logs, metrics and the clusters' lists. */
  name: string;
  /** `slack` (incoming-webhook `text` and `blocks`) or `json` (the responder's own object). */
  format: NotificationFormat;
  /** The webhook URL: a secret. Never serialized: see `toJSON`. */
  url: string;
  /** The events sent to it. */
  events: readonly NotificationEvent[];
  /** Link to a recovery's record, with `{id}`, `{cluster}`, `{namespace}`, `{member}`, `{event}`; absent: no link. */
  linkTemplate?: string;
  /** A copy safe to log: the URL is replaced by `[redacted]`. */
  toJSON(): Record<string, unknown>;
}

/** The webhooks told about recoveries, and how notifications are sent. */
export interface NotificationSettings {
  /** Every target; empty: no notifications. */
  targets: readonly NotificationTarget[];
  /** Target names of each cluster, keyed `namespace/name`; a cluster with none is absent or maps to `[]`. */
  clusterTargets: Readonly<Record<string, readonly string[]>>;
  /** Deadline of one attempt to send, seconds; default `5`. */
  timeoutSeconds: number;
  /** Retries of a failed send. */
  retry: {
    /** Attempts in all; default `5`. */
    attempts: number;
    /** First pause, seconds, doubling per attempt, with jitter; default `1`. */
    backoffSeconds: number;
    /** Longest pause, seconds; default `30`. */
    maxBackoffSeconds: number;
  };
  /** Notifications waiting per target before the oldest is dropped; default `100`. */
  queueSize: number;
  /** How long a stopping worker keeps sending pending notifications, seconds; default `5`. */
  shutdownGraceSeconds: number;
}
