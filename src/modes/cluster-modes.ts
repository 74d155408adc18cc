/** `act`: recover; `observe`: diagnose and record the plan, change nothing; `paused`: queue nothing. */
export type ClusterMode = "act" | "observe" | "paused";

export const CLUSTER_MODES: readonly ClusterMode[] = ["act", "observe", "paused"];

/** A cluster's mode and who set it. */
export interface ClusterModeState {
  cluster: string;
  namespace: string;
  mode: ClusterMode;
  /** `config`: the configured default; `api`: a person via the API; `circuit-breaker`: tripped by failures. */
  source: "config" | "api" | "circuit-breaker";
  /** Why, when set by the API or the circuit breaker. */
  reason?: string;
  /** ISO time it was set; absent for the configured default. */
  since?: string;
}

/** Per-cluster modes, kept in Redis so every process of the service sees the same. */
export interface ClusterModes {
  get(namespace: string, cluster: string): Promise<ClusterModeState>;
  list(): Promise<ClusterModeState[]>;
  set(
    namespace: string,
    cluster: string,
    mode: ClusterMode,
    source: ClusterModeState["source"],
    reason?: string,
  ): Promise<ClusterModeState>;
  /**
   * Counts a failed recovery of the cluster; when the failures within the configured window reach the
   * threshold the cluster goes to `observe` (source `circuit-breaker`) and `tripped` is true.
   */
  recordFailure(namespace: string, cluster: string): Promise<{ tripped: boolean; failures: number }>;
}
