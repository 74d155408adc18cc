import { rmSync } from "node:fs";
import { acquireBlockLock, blockLockPath, releaseBlockLock } from "../network/block-lock.js";
import { networkPrefix } from "./network-names.js";

/**
 * Where every Pod network of the machine records its owner's pid, one lock file per network (whatever lock
 * directory its ranges use), so that a network whose owner and watchdog both died can be told from a live one.
 */
export const OWNER_DIRECTORY = "/run/kube-sandbox/networks";

/** Records this process as the owner of network `id`; false when a running process owns it already. */
export function claimNetworkOwnership(id: string): boolean {
  return acquireBlockLock(OWNER_DIRECTORY, networkPrefix(id));
}

/** Removes this process's owner record of network `id`. */
export function releaseNetworkOwnership(id: string): void {
  releaseBlockLock(OWNER_DIRECTORY, networkPrefix(id));
}

/**
 * Removes the owner record of network `id` whoever it names: for the watchdog, once it has torn down the
 * network of its sandbox, which has died (and may not even have been reaped yet, so its pid still looks alive).
 */
export function forgetNetworkOwner(id: string): void {
  rmSync(blockLockPath(OWNER_DIRECTORY, networkPrefix(id)), { force: true });
}
