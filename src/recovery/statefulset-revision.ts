import type { StatefulSetMemberWorkload } from "../core/config/types.js";
import type { RecoveryRun } from "./recovery-run.js";
import { pollUntil } from "./waits.js";

/** The label a StatefulSet Pod carries with the ControllerRevision it was made from. */
export const REVISION_LABEL = "controller-revision-hash";

/**
 * The StatefulSet's update revision (the revision of its current template) once its controller has seen the latest
 * write: `status.observedGeneration` reached `metadata.generation`.
 */
export async function settledRevision(run: RecoveryRun, workload: StatefulSetMemberWorkload): Promise<string> {
  const { ctx } = run;
  return pollUntil(
    async (observe) => {
      const set = await ctx.kubernetes.readStatefulSet(ctx.cluster.namespace, workload.name);
      const generation = set?.metadata?.generation ?? 0;
      const observed = set?.status?.observedGeneration ?? 0;
      const revision = set?.status?.updateRevision;
      if (observed >= generation && revision) return revision;
      observe(`observedGeneration ${observed} of ${generation}`);
      return undefined;
    },
    {
      clock: ctx.clock,
      what: `the StatefulSet controller to take in the change to StatefulSet ${workload.name}`,
      timeoutMs: run.timeoutMs,
      intervalMs: run.tuning.pollIntervalMs,
    },
  );
}
