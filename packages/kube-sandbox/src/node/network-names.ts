import { randomBytes } from "node:crypto";

/** Every interface and network namespace of Pod isolation starts with this, then the network's id. */
export const NAME_PREFIX = "ksb";

/** Largest Pod number: keeps `ksb` + 6 hex digits + `h` + the number within 15 characters (IFNAMSIZ - 1). */
export const MAX_POD_NUMBER = 99_999;

const ID = /^[0-9a-f]{6}$/;

/** A fresh network id: 6 random hex digits, so several sandboxes on one machine never share a name. */
export function newNetworkId(): string {
  return randomBytes(3).toString("hex");
}

/** Whether `id` has the form `newNetworkId` returns (and so is safe inside interface names and `ip` arguments). */
export function isNetworkId(id: string): boolean {
  return ID.test(id);
}

/** The prefix of every name a network with this id creates; `teardownNetwork` removes what carries it. */
export function networkPrefix(id: string): string {
  return `${NAME_PREFIX}${id}`;
}

/** The network's bridge, e.g. `ksb1a2b3c`. */
export function bridgeName(id: string): string {
  return networkPrefix(id);
}

/** Host end of Pod `n`'s veth pair, e.g. `ksb1a2b3ch7`. */
export function hostVethName(id: string, n: number): string {
  return `${networkPrefix(id)}h${n}`;
}

/** Pod end of Pod `n`'s veth pair until it is renamed `eth0` inside the Pod's namespace. */
export function podVethName(id: string, n: number): string {
  return `${networkPrefix(id)}p${n}`;
}

/** Pod `n`'s named network namespace (`/run/netns/ksb1a2b3c-7`). */
export function netnsName(id: string, n: number): string {
  return `${networkPrefix(id)}-${n}`;
}
