export {
  RECOVERY_STATES,
  type EnqueueResult,
  type RecoveryFilter,
  type RecoveryQueue,
  type RecoveryRecord,
  type RecoveryRequest,
  type RecoveryState,
  type RecoveryTrigger,
} from "./recovery-queue.js";
export { createRecoveryQueue, type RecoveryQueueOptions } from "./create-recovery-queue.js";
export {
  startRecoveryWorkers,
  type RecoveryWorkerHooks,
  type RecoveryWorkers,
  type RecoveryWorkersOptions,
} from "./recovery-worker.js";
export { stepReporterFor, type RecoveryProgress, type RecoveryRunner } from "./recovery-runner.js";
export { QueueUnavailableError } from "./queue-unavailable-error.js";
export { UnknownMemberError } from "./unknown-member-error.js";
export { UnknownClusterError } from "../modes/unknown-cluster-error.js";
export { DEFAULT_PREFIX, recoveryQueueName, deduplicationId } from "./queue-names.js";
export { newRecoveryJobId, parseRecoveryJobId } from "./recovery-job-id.js";
export { PAUSED_REASON } from "./process-recovery.js";
