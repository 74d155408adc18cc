import { readdir, readFile } from "node:fs/promises";

/** Linux reports process CPU time in clock ticks of USER_HZ, which is 100 on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/** A group of processes whose CPU time is measured together. */
export interface CpuGroup {
  /** What the group is, for the table: `sandbox API server and kubelet`. */
  name: string;
  /** The group's process. */
  pid: number;
  /**
   * Which of its CPU time counts: `self` its own only; `descendants` that of every process below it (live ones,
   * and those that ended and were reaped), not its own.
   */
  count: "self" | "descendants";
}

/** CPU time used over a measured stretch, s. */
export interface CpuUse {
  /** The stretch's length, s. */
  wallSeconds: number;
  /** The host's cores. */
  cores: number;
  /** CPU time the whole host spent busy (every mode but idle and I/O wait), s. */
  hostBusy: number;
  /** Each group's CPU time, s, in the order given. */
  groups: { name: string; seconds: number }[];
}

/** A measurement under way; `stop()` ends it. */
export interface CpuMeasurement {
  stop(): Promise<CpuUse>;
}

interface ProcessTimes {
  ppid: number;
  /** Its own user and system time, ticks. */
  own: number;
  /** That of its children that ended and were waited for, ticks. */
  reaped: number;
}

/** Starts measuring the CPU time of `groups` and of the whole host. */
export async function measureCpu(groups: readonly CpuGroup[]): Promise<CpuMeasurement> {
  const startedAt = performance.now();
  const [hostBefore, tableBefore] = await Promise.all([hostTicks(), processTable()]);
  const before = groups.map((group) => groupTicks(tableBefore, group));
  return {
    async stop() {
      const [hostAfter, tableAfter] = await Promise.all([hostTicks(), processTable()]);
      return {
        wallSeconds: (performance.now() - startedAt) / 1000,
        cores: hostAfter.cores,
        hostBusy: (hostAfter.busy - hostBefore.busy) / TICKS_PER_SECOND,
        groups: groups.map((group, i) => ({
          name: group.name,
          seconds: (groupTicks(tableAfter, group) - before[i]!) / TICKS_PER_SECOND,
        })),
      };
    },
  };
}

/** Every process's CPU times by pid, and the children of each. */
interface ProcessTable {
  times: Map<number, ProcessTimes>;
  children: Map<number, number[]>;
}

/** The ticks a group has used so far. Descendants that end between two readings are counted once reaped. */
function groupTicks(table: ProcessTable, group: CpuGroup): number {
  const root = table.times.get(group.pid);
  if (!root) throw new Error(`process ${group.pid} (${group.name}) is gone; its CPU time cannot be read`);
  if (group.count === "self") return root.own;
  let ticks = root.reaped;
  const below = [...(table.children.get(group.pid) ?? [])];
  for (let pid = below.pop(); pid !== undefined; pid = below.pop()) {
    const times = table.times.get(pid)!;
    ticks += times.own + times.reaped;
    below.push(...(table.children.get(pid) ?? []));
  }
  return ticks;
}

/** Every process's parent and CPU times, from `/proc/PID/stat`; processes that end while it reads are left out. */
async function processTable(): Promise<ProcessTable> {
  const pids = (await readdir("/proc")).filter((entry) => /^\d+$/.test(entry));
  const table = new Map<number, ProcessTimes>();
  await Promise.all(
    pids.map(async (pid) => {
      const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
      if (!stat) return;
      // The command name, in parentheses, may hold spaces; the fields after it are positional (proc(5)).
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const field = (n: number) => Number(fields[n - 3]);
      table.set(Number(pid), { ppid: field(4), own: field(14) + field(15), reaped: field(16) + field(17) });
    }),
  );
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of table) {
    const siblings = children.get(ppid);
    if (siblings) siblings.push(pid);
    else children.set(ppid, [pid]);
  }
  return { times: table, children };
}

/** The host's busy ticks over all cores, and its core count, from `/proc/stat`. */
async function hostTicks(): Promise<{ busy: number; cores: number }> {
  const stat = await readFile("/proc/stat", "utf8");
  const lines = stat.split("\n");
  const total = lines[0]!.split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: idle and iowait are not busy; guest time is inside user.
  const busy = total.slice(0, 8).reduce((sum, value, i) => (i === 3 || i === 4 ? sum : sum + value), 0);
  return { busy, cores: lines.filter((line) => /^cpu\d+ /.test(line)).length };
}
