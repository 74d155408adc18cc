import { groupVersion, RESOURCE_TYPES, type ResourceType } from "../resource-catalog.js";

/** The Kubernetes release the sandbox speaks for. */
export const SERVER_VERSION = {
  major: "1",
  minor: "32",
  gitVersion: "v1.32.0-sandbox",
  gitCommit: "0000000000000000000000000000000000000000",
  gitTreeState: "clean",
  buildDate: "2024-12-11T00:00:00Z",
  goVersion: "go1.23.4",
  compiler: "gc",
  platform: "linux/amd64",
};

/** `GET /api`: the core group's versions. */
export function coreApiVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

/** `GET /apis`: every named group with its versions (legacy discovery, which kubectl falls back to). */
export function apiGroupList(): Record<string, unknown> {
  const groups = new Map<string, Set<string>>();
  for (const t of RESOURCE_TYPES) {
    if (!t.group) continue;
    const versions = groups.get(t.group) ?? new Set<string>();
    versions.add(t.version);
    groups.set(t.group, versions);
  }
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: [...groups].map(([name, versions]) => {
      const list = [...versions].map((version) => ({ groupVersion: `${name}/${version}`, version }));
      return { name, versions: list, preferredVersion: list[0] };
    }),
  };
}

/**
 * `GET /api/v1`, `/apis/G/V`: the resources of one group version. Every resource comes before any
 * subresource, because some clients take the first entry whose kind matches.
 */
export function apiResourceList(group: string, version: string): Record<string, unknown> {
  const types = RESOURCE_TYPES.filter((t) => t.group === group && t.version === version);
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: groupVersion({ group, version }),
    resources: [...types.map(resourceEntry), ...types.flatMap(subresourceEntries)],
  };
}

function resourceEntry(t: ResourceType): Record<string, unknown> {
  return {
    name: t.plural,
    singularName: t.singular,
    namespaced: t.namespaced,
    kind: t.kind,
    verbs: t.verbs,
    ...(t.shortNames.length > 0 ? { shortNames: t.shortNames } : {}),
    ...(t.categories.length > 0 ? { categories: t.categories } : {}),
  };
}

function subresourceEntries(t: ResourceType): Record<string, unknown>[] {
  return t.subresources.map((s) => ({
    name: `${t.plural}/${s.name}`,
    singularName: "",
    namespaced: t.namespaced,
    ...(s.group !== undefined ? { group: s.group } : {}),
    ...(s.version !== undefined ? { version: s.version } : {}),
    kind: s.kind,
    verbs: s.verbs,
  }));
}
