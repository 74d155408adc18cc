/** Something that watches the process groups the kubelet starts (a watchdog that can reap them). */
export interface ProcessTracker {
  /** A process group was started; `pgid` is its leader's pid. */
  track(pgid: number): void;
  /** The process group's leader has exited and the group was killed. */
  untrack(pgid: number): void;
}
