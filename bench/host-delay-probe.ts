import { spawn } from "node:child_process";
import { killOnExit } from "../test/support/processes.js";

/**
 * A Node.js process that does nothing but measure its own event-loop delay (`monitorEventLoopDelay`, 10 ms
 * resolution) and print the longest, in ms, when it gets SIGTERM. Beside a service under load it is the baseline:
 * what the host's scheduling alone costs an idle event loop.
 */
const PROBE = `
const histogram = require("node:perf_hooks").monitorEventLoopDelay({ resolution: 10 });
histogram.enable();
const timer = setInterval(() => undefined, 1000);
process.once("SIGTERM", () => {
  clearInterval(timer);
  process.stdout.write(String(histogram.max / 1e6) + "\\n");
  process.exit(0);
});
process.stdout.write("measuring\\n");
`;

/** A running probe; `stop()` resolves with the longest event-loop delay it measured, ms. */
export interface HostDelayProbe {
  pid: number;
  stop(): Promise<number>;
}

/** Starts the probe and resolves once it measures; rejects if it exits or does not start within 30 s. */
export async function startHostDelayProbe(): Promise<HostDelayProbe> {
  const child = spawn(process.execPath, ["-e", PROBE], { stdio: ["ignore", "pipe", "inherit"] });
  killOnExit(child);
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error("the event-loop delay probe did not say 'measuring' in 30 s")),
      30_000,
    );
    child.stdout.on("data", () => output.includes("measuring\n") && (clearTimeout(timer), resolve()));
    void exited.then(() => (clearTimeout(timer), reject(new Error(`the event-loop delay probe exited: ${output}`))));
  });
  let stopped: Promise<number> | undefined;
  return {
    pid: child.pid!,
    stop: () =>
      (stopped ??= (async () => {
        child.kill("SIGTERM");
        await exited;
        const max = Number(output.split("\n").at(-2));
        if (!Number.isFinite(max)) throw new Error(`the event-loop delay probe printed no delay: ${output}`);
        return max;
      })()),
  };
}
