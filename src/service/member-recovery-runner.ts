import { stepReporterFor, type RecoveryRunner } from "../queue/process-recovery.js";
import { recoverMember, type MemberRecoveryDependencies } from "../recovery/run-recovery.js";

/** The worker's RecoveryRunner: recovers the request's member with `recoverMember`, as the `recover` command does. */
export function createMemberRecoveryRunner(deps: MemberRecoveryDependencies): RecoveryRunner {
  return (request, progress, signal) =>
    recoverMember(deps, {
      ...request.target,
      mode: request.mode,
      reporter: stepReporterFor(progress),
      signal,
    });
}
