/** The parts of a container spec the recovery reads and rewrites. */
export interface ContainerSpec {
  name: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
}

/**
 * The container running etcd: the one that sets `--initial-cluster` (flag or env), else the one named
 * `etcd`, else one whose command mentions etcd, else the first. Undefined for an empty list.
 */
export function findEtcdContainer<T extends ContainerSpec>(containers: readonly T[]): T | undefined {
  const words = (c: ContainerSpec) => [...(c.command ?? []), ...(c.args ?? [])];
  return (
    containers.find(
      (c) =>
        words(c).some((w) => /(^|\s)--?initial-cluster(=|\s|$)/.test(w)) ||
        c.env?.some((e) => e.name === "ETCD_INITIAL_CLUSTER"),
    ) ??
    containers.find((c) => c.name === "etcd") ??
    containers.find((c) => words(c).some((w) => /(^|[\s/])etcd(\s|$)/.test(w))) ??
    containers[0]
  );
}
