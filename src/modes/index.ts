export { CLUSTER_MODES, type ClusterMode, type ClusterModes, type ClusterModeState } from "./cluster-modes.js";
export {
  createClusterModes,
  configuredMode,
  type ClusterModesOptions,
  type RedisClusterModes,
} from "./create-cluster-modes.js";
export { circuitBreakerReason } from "./circuit-breaker-reason.js";
export { configuredCluster } from "./configured-cluster.js";
export { UnknownClusterError } from "./unknown-cluster-error.js";
