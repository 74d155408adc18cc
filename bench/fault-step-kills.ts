import { DEPLOYMENT_STEPS, STATEFULSET_STEPS } from "../src/recovery/context.js";
import type { Layout } from "./fault-bed.js";
import type { Scenario } from "./fault-scenario.js";
import { exitMeaning, expectCompleted } from "./recover-outcome.js";

/**
 * For each step of the layout's recipe: a member broken, `recover` SIGKILLed as soon as its log says the step ended
 * (before the next begins), then run again. The rerun must complete, or find the member healthy already.
 */
export function stepKillScenarios(layout: Layout): Scenario[] {
  const steps = layout === "deployment" ? DEPLOYMENT_STEPS : STATEFULSET_STEPS;
  return steps.map((step) => ({
    name: `SIGKILL after [${step}], run again`,
    async run(bed, verdict) {
      const member = bed.nextMember();
      await bed.breakMember(member);
      const killed = await bed.recover(member, { killAfterStep: step });
      const again = await bed.recover(member);
      await expectCompleted(verdict, "the rerun", again);
      const first = killed.code === null ? `killed after ${step}` : `first run ${exitMeaning(killed)} before the kill`;
      return `member ${member}: ${first}; rerun ${exitMeaning(again)}`;
    },
  }));
}
