import { readFile } from "node:fs/promises";

/** A process's resident memory as Linux reports it in `/proc/PID/status`, MiB. */
export interface ResidentMemory {
  /** Resident now (`VmRSS`). */
  rss: number;
  /** The most it has been resident since it started (`VmHWM`). */
  peak: number;
}

const KiB_PER_MiB = 1024;

/** Reads `VmRSS` and `VmHWM` of process `pid`; rejects when the process is gone. */
export async function residentMemory(pid: number): Promise<ResidentMemory> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, "m").exec(status);
    if (!match) throw new Error(`/proc/${pid}/status has no ${name}`);
    return Number(match[1]) / KiB_PER_MiB;
  };
  return { rss: field("VmRSS"), peak: field("VmHWM") };
}
