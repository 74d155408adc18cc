export {
  createRecoveriesClient,
  UNAUTHORIZED_MESSAGE,
  type RecoveriesClient,
  type RecoveriesClientOptions,
  type RecoveryRequestAnswer,
  type RecoveryRequestBody,
} from "./recoveries-client.js";
export { followRecovery, FINAL_STATES, type FollowOptions } from "./follow-recovery.js";
export { createRecoveryPrinter, type RecoveryPrinter } from "./recovery-printer.js";
export { ServiceRequestError } from "./service-request-error.js";
