import type { EtcdMember } from "../gateways/etcd/types.js";
import type { DeadMemberCandidate } from "./decisions/dead-members.js";
import type { StatusProbe } from "./diagnosis/observation.js";
import { configuredMemberOf, statusOfEntry } from "./diagnosis/observe-cluster.js";
import { samePeerURL } from "./decisions/peer-url.js";
import { podsOfMember } from "./kube/member-pods.js";
import { podPresence } from "./kube/pod-facts.js";
import type { RecoveryRun } from "./recovery-run.js";

/** What the dead-member decision is made from. */
export interface CandidateSource {
  clusterId: string;
  probedAt: number;
  probes: readonly StatusProbe[];
  members: readonly EtcdMember[];
}

/**
 * The list's members as dead-member candidates: whether each answers (for the real cluster), whether it is
 * the member being recovered, and its Pod (looked up only for members that do not answer).
 * `firstFailedAt` keeps, per member ID, when its status first failed; it is updated here.
 * With `assumeOwnPodGone` the member being recovered counts as stopped (for a plan made before Stop).
 */
export async function deadMemberCandidates(
  run: RecoveryRun,
  source: CandidateSource,
  firstFailedAt: Map<string, number>,
  options: { assumeOwnPodGone?: boolean } = {},
): Promise<DeadMemberCandidate[]> {
  const { ctx } = run;
  return Promise.all(
    source.members.map(async (entry): Promise<DeadMemberCandidate> => {
      const answers = statusOfEntry(entry, source.probes, source.clusterId) !== undefined;
      const own = entry.peerURLs.some((url) => samePeerURL(url, ctx.member.peerURL));
      const configured = configuredMemberOf(entry, ctx.cluster.members);
      const candidate: DeadMemberCandidate = {
        id: entry.id,
        answers,
        own,
        configured: configured !== undefined,
        pod: { kind: "gone" },
      };
      if (answers) {
        firstFailedAt.delete(entry.id);
        return candidate;
      }
      if (!firstFailedAt.has(entry.id)) firstFailedAt.set(entry.id, source.probedAt);
      candidate.firstFailedAt = firstFailedAt.get(entry.id) ?? source.probedAt;
      if (configured && !(own && options.assumeOwnPodGone)) {
        const { pods } = await podsOfMember(ctx.kubernetes, ctx.cluster.namespace, configured);
        candidate.pod = podPresence(pods);
      }
      return candidate;
    }),
  );
}
