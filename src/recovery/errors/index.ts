export { LeaseRenewalError } from "./lease-renewal-error.js";
export { MemberNotDiagnosableError } from "./member-not-diagnosable-error.js";
export { RecoveryInterruptedError } from "./recovery-interrupted-error.js";
