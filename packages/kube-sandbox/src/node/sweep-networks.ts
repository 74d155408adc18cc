import { claimNetworkOwnership, releaseNetworkOwnership } from "./network-owner.js";
import { NAME_PREFIX } from "./network-names.js";
import { listNetworkNames, teardownNetwork } from "./network-teardown.js";

const NAMED = new RegExp(`^${NAME_PREFIX}([0-9a-f]{6})`);

/**
 * Tears down every Pod network of this machine whose owner no longer runs, e.g. when the sandbox and its
 * watchdog were SIGKILLed together; networks of running sandboxes are left alone. Returns the ids
 * removed. Throws `IsolationError` when one of them could not be removed completely.
 */
export function sweepOrphanNetworks(): string[] {
  const ids = new Set(listNetworkNames().flatMap((name) => NAMED.exec(name)?.[1] ?? []));
  const swept: string[] = [];
  for (const id of ids) {
    // Taking the owner record succeeds only when its owner is gone (or there never was one).
    if (!claimNetworkOwnership(id)) continue;
    try {
      teardownNetwork(id);
      swept.push(id);
    } finally {
      releaseNetworkOwnership(id);
    }
  }
  return swept;
}
