import type { ContainerSpec } from "../pods.js";
import type { ResolvedMember } from "../../core/config/types.js";
import { formatInitialCluster, type EtcdMember } from "../../gateways/etcd/etcd-gateway.js";
import { flagPattern, scriptPattern } from "./container-flags.js";
import { samePeerURL } from "./members.js";

/** The container with the new member's start settings, and what changed, for people. */
export interface InitialClusterRewrite<T extends ContainerSpec> {
  container: T;
  /** One entry per setting written, e.g. `args --initial-cluster`, `env ETCD_INITIAL_CLUSTER_STATE`. */
  changes: string[];
}

const CLUSTER_FLAG = "initial-cluster";
const STATE_FLAG = "initial-cluster-state";
const CLUSTER_ENV = "ETCD_INITIAL_CLUSTER";
const STATE_ENV = "ETCD_INITIAL_CLUSTER_STATE";

/**
 * Sets `--initial-cluster=VALUE` and `--initial-cluster-state=existing` in an etcd container, where the spec
 * keeps them: in `args` or `command` (`--flag=value`, `--flag value`, also inside a `sh -c` script), or in the
 * env `ETCD_INITIAL_CLUSTER` / `ETCD_INITIAL_CLUSTER_STATE`. A state setting that is missing goes beside the
 * cluster setting. Nothing else changes; the input is not modified.
 */
export function setInitialCluster<T extends ContainerSpec>(
  container: T,
  initialCluster: string,
): InitialClusterRewrite<T> {
  const result = structuredClone(container);
  const changes: string[] = [];

  const clusterAt = setFlagIn(result, CLUSTER_FLAG, initialCluster);
  if (clusterAt) changes.push(`${clusterAt} --${CLUSTER_FLAG}`);
  const stateAt = setFlagIn(result, STATE_FLAG, "existing");
  if (stateAt) changes.push(`${stateAt} --${STATE_FLAG}`);

  if (!clusterAt) {
    setEnv(result, CLUSTER_ENV, initialCluster);
    changes.push(`env ${CLUSTER_ENV}`);
  }
  if (!stateAt) {
    if (clusterAt && !hasEnv(result, STATE_ENV)) {
      addFlagAfter(result, clusterAt, CLUSTER_FLAG, `--${STATE_FLAG}=existing`);
      changes.push(`${clusterAt} --${STATE_FLAG}`);
    } else {
      setEnv(result, STATE_ENV, "existing");
      changes.push(`env ${STATE_ENV}`);
    }
  }
  return { container: result, changes };
}

type ListName = "args" | "command";

/** Sets the flag wherever it appears in args or command; returns where it was found. */
function setFlagIn(container: ContainerSpec, flag: string, value: string): ListName | undefined {
  let found: ListName | undefined;
  for (const list of ["args", "command"] as const) {
    const words = container[list];
    if (!words) continue;
    for (let i = 0; i < words.length; i++) {
      const word = words[i] ?? "";
      const match = flagPattern(flag).exec(word);
      if (match) {
        const name = match[1] === "=" ? word.slice(0, word.indexOf("=")) : word;
        if (match[1] === "=") words[i] = `${name}=${value}`;
        else if (i + 1 < words.length) words[i + 1] = value;
        else words[i] = `${name}=${value}`;
        found ??= list;
      } else if (/\s/.test(word) && scriptPattern(flag).test(word)) {
        words[i] = word.replace(scriptPattern(flag), (_all, lead: string, name: string, sep: string, old: string) => {
          const quote = old.startsWith('"') || old.startsWith("'") ? old[0] : "";
          return `${lead}${name}${sep}${quote}${value}${quote}`;
        });
        found ??= list;
      }
    }
  }
  return found;
}

/** Adds `text` right after the flag's value in the list where the flag was found. */
function addFlagAfter(container: ContainerSpec, list: ListName, flag: string, text: string): void {
  const words = container[list] ?? [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? "";
    const match = flagPattern(flag).exec(word);
    if (match) {
      words.splice(match[1] === "=" || i + 1 >= words.length ? i + 1 : i + 2, 0, text);
      return;
    }
    if (/\s/.test(word) && scriptPattern(flag).test(word)) {
      let done = false;
      words[i] = word.replace(scriptPattern(flag), (all: string) => {
        if (done) return all;
        done = true;
        return `${all} ${text}`;
      });
      return;
    }
  }
}

function hasEnv(container: ContainerSpec, name: string): boolean {
  return container.env?.some((e) => e.name === name) ?? false;
}

/** Sets an env variable to a literal value (dropping a `valueFrom`), adding it when missing. */
function setEnv(container: ContainerSpec, name: string, value: string): void {
  container.env ??= [];
  const entry = container.env.find((e) => e.name === name);
  if (entry) {
    entry.value = value;
    delete entry.valueFrom;
  } else container.env.push({ name, value });
}

/**
 * The `--initial-cluster` value for the member being added: every listed member by name and peer URLs, the
 * new one under its configured name. Members that have not started yet are listed without a name; their
 * names come from the configuration (by peer URL). Throws when such a member is not configured.
 */
export function initialClusterValue(
  members: readonly EtcdMember[],
  added: { id: string; name: string },
  configured: readonly ResolvedMember[],
): string {
  const named = members.map((member) => {
    if (member.name !== "" || member.id === added.id) return member;
    const match = configured.find((c) => member.peerURLs.some((url) => samePeerURL(url, c.peerURL)));
    if (!match) {
      throw new Error(
        `member ${member.id} (${member.peerURLs.join(", ")}) has not started and is not a configured member, so its ` +
          `name for --initial-cluster is unknown`,
      );
    }
    return { ...member, name: match.name };
  });
  return formatInitialCluster(named, added);
}
