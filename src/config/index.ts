export { loadConfig } from "./load-config.js";
export { parseConfig, type ParseConfigOptions } from "./parse-config.js";
export { resolveMember, type MemberNamingSource } from "./resolve-member.js";
export { findCluster } from "./find-cluster.js";
export { normalizeClusterId } from "./cluster-id.js";
export {
  DEFAULT_NAMING,
  TEMPLATE_PLACEHOLDERS,
  renderTemplate,
  templateProblem,
  type NamingTemplates,
  type TemplateValues,
} from "./naming-templates.js";
export type { ConfigFile } from "./config-schema.js";
export type { FileAccess, ReadTextFile } from "./read-config-file.js";
export type {
  CircuitBreakerSettings,
  ClusterAuth,
  ClusterModeSetting,
  HistorySettings,
  RetrySettings,
  ServiceSettings,
  SweepSettings,
  ClusterTls,
  MemberURLOverride,
  RecoverySettings,
  ResolvedCluster,
  ResolvedMember,
  ResponderConfig,
  SnapshotSettings,
} from "./types.js";
