import { findCluster, resolveMember } from "../config/index.js";
import { UnknownClusterError } from "../modes/index.js";
import { stepReporterFor, UnknownMemberError, type RecoveryRunner } from "../queue/index.js";
import { recoverMember, type MemberRecoveryDependencies } from "../recovery/index.js";

/**
 * The worker's RecoveryRunner: resolves the request's cluster and member from the configuration and
 * recovers it with `recoverMember`, the same path the `recover` command takes. A request for a cluster or
 * member the configuration no longer has (the file changed while it was queued) fails without retries.
 */
export function createMemberRecoveryRunner(deps: MemberRecoveryDependencies): RecoveryRunner {
  return async (request, progress, signal) => {
    const cluster = findCluster(deps.config, request.cluster, request.namespace);
    if (!cluster) throw new UnknownClusterError(request.namespace, request.cluster);
    if (!Number.isInteger(request.member) || request.member < 1 || request.member > cluster.members.length) {
      throw new UnknownMemberError(`${cluster.namespace}/${cluster.name}`, request.member, cluster.members.length);
    }
    return recoverMember(deps, {
      cluster,
      member: resolveMember(cluster, request.member),
      mode: request.mode,
      reporter: stepReporterFor(progress),
      signal,
    });
  };
}
