import { RESOURCE_TYPES } from "../resource-catalog.js";

/** `GET /apis/GROUP`: one named group and its versions; undefined for a group not served. */
export function apiGroup(name: string): Record<string, unknown> | undefined {
  const versions = [...new Set(RESOURCE_TYPES.filter((t) => t.group === name && name !== "").map((t) => t.version))];
  if (versions.length === 0) return undefined;
  const list = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { kind: "APIGroup", apiVersion: "v1", name, versions: list, preferredVersion: list[0] };
}
