export { runRecovery } from "./run-recovery.js";
export { systemClock } from "./system-clock.js";
export { leaseName } from "./lock/lease-lock.js";
export { DEFAULT_TUNING, type RecoveryTuning } from "./recovery-tuning.js";
export { LeaseRenewalError, MemberNotDiagnosableError, RecoveryInterruptedError } from "./errors/index.js";
export { localSnapshotDirectory, type SnapshotDirectory } from "./snapshots/snapshot-directory.js";
export type { Clock, RecoveryContext, RecoveryMode, StepReporter } from "./recovery-context.js";
export {
  STEP_NAMES,
  type RecoveryOutcome,
  type RecoveryResult,
  type StepName,
  type StepRecord,
} from "./recovery-result.js";
export { createLineReporter } from "./line-reporter.js";
export { recoverMember, type MemberRecoveryDependencies, type MemberRecoveryRequest } from "./recover-member.js";
