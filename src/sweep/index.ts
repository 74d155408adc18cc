export {
  createCrashLoopSweep,
  type CrashLoopSweep,
  type CrashLoopSweepOptions,
  type SweepReport,
} from "./crash-loop-sweep.js";
export { startPeriodicSweep, type PeriodicSweep } from "./periodic-sweep.js";
export {
  judgeMember,
  crashLoopingContainer,
  type MemberSighting,
  type SweepMoment,
  type SweepVerdict,
} from "./member-verdict.js";
export { clusterMemberPods, type MemberLook } from "./cluster-member-pods.js";
export { matchesSelector } from "./label-selector-match.js";
