export { ResponderError, type ResponderErrorOptions } from "./responder-error.js";
export { ConfigError, type ConfigProblem } from "./config-error.js";
export { EtcdUnavailableError } from "./etcd-unavailable-error.js";
export { UnsafeRecoveryError } from "./unsafe-recovery-error.js";
export { DeadlineExceededError } from "./deadline-exceeded-error.js";
