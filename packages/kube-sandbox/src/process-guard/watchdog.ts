/**
 * The process guard's watchdog, run as its own detached process. It reads `+PGID` / `-PGID` lines from
 * its parent, and `+net ID` / `-net ID` lines for Pod networks; when its standard input ends (the parent
 * closed it or died, even by SIGKILL), it stops every group still tracked, tears down every Pod network still
 * tracked (namespaces, interfaces, what still runs in them), removes the cleanup paths and exits.
 */
import { rmSync } from "node:fs";
import { createInterface } from "node:readline";
import { groupAlive } from "./group-alive.js";
import { forgetNetworkOwner } from "../node/network-owner.js";
import { teardownNetwork } from "../node/network-teardown.js";
import { parseNetworkLine, parseTrackLine, type WatchdogConfig } from "./watchdog-protocol.js";

/** How often the watchdog looks whether the groups it signalled are gone. */
const POLL_MS = 50;

function readConfig(text: string | undefined): WatchdogConfig {
  const parsed = JSON.parse(text ?? "{}") as Partial<WatchdogConfig>;
  return {
    cleanupPaths: Array.isArray(parsed.cleanupPaths)
      ? parsed.cleanupPaths.filter((p) => typeof p === "string" && p !== "")
      : [],
    killGraceMs: typeof parsed.killGraceMs === "number" ? parsed.killGraceMs : 2_000,
  };
}

/** Sends `signal` to a group; false when there is no such group (or it is no longer ours to signal). */
function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function stopGroups(groups: number[], graceMs: number): Promise<void> {
  let alive = groups.filter((pgid) => signalGroup(pgid, "SIGTERM"));
  // Nothing announces the end of a process that is not our child, so look until they are gone or time is up.
  const deadline = Date.now() + graceMs;
  while (alive.length > 0 && Date.now() < deadline) {
    await delay(POLL_MS);
    alive = alive.filter(groupAlive);
  }
  for (const pgid of alive) signalGroup(pgid, "SIGKILL");
}

function removePaths(paths: string[]): void {
  for (const path of paths) {
    try {
      rmSync(path, { recursive: true, force: true });
    } catch {
      // One path that cannot be removed must not keep the others.
    }
  }
}

function teardownNetworks(ids: string[]): void {
  for (const id of ids) {
    try {
      teardownNetwork(id);
      forgetNetworkOwner(id);
    } catch {
      // One network that cannot be removed must not keep the others, nor the paths.
    }
  }
}

function main(): void {
  const config = readConfig(process.argv[2]);
  const tracked = new Set<number>();
  const networks = new Set<string>();

  // The watchdog lives in its own process group, so Ctrl-C and group-wide SIGTERMs miss it already;
  // a signal aimed at it alone must not make it abandon the groups it watches either.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => {});

  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  lines.on("line", (line) => {
    const network = parseNetworkLine(line);
    if (network) {
      if (network.tracked) networks.add(network.id);
      else networks.delete(network.id);
      return;
    }
    const change = parseTrackLine(line);
    if (!change) return;
    if (change.tracked) tracked.add(change.pgid);
    else tracked.delete(change.pgid);
  });
  lines.once("close", () => {
    void stopGroups([...tracked], config.killGraceMs).finally(() => {
      teardownNetworks([...networks]);
      removePaths(config.cleanupPaths);
      process.exit(0);
    });
  });
}

main();
