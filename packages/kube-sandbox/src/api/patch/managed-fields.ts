import { StatusError, type StatusCause } from "../status-error.js";
import {
  FieldSet,
  fieldSetOf,
  findItem,
  isSetList,
  listKeys,
  pathString,
  removePath,
  valueAt,
  type FieldPath,
} from "./field-set.js";
import { cloneJson, isJsonObject, jsonEqual, ownValue, type JsonObject } from "./json-value.js";

/** One entry of `metadata.managedFields`. */
export interface ManagedFieldsEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time?: string;
  fieldsType: "FieldsV1";
  fieldsV1: JsonObject;
  subresource?: string;
}

/** What every apply or update is recorded with. */
export interface FieldOwnership {
  /** The manager: `fieldManager`, or what kube-apiserver derives from the user agent. */
  manager: string;
  /** The object's `apiVersion`, as the entry records it. */
  apiVersion: string;
  /** RFC 3339 time of the change. */
  now: string;
  /** Paths nobody owns: identity and bookkeeping fields, and `status` where it is a subresource. */
  ignore: (path: FieldPath) => boolean;
}

interface Manager {
  entry: ManagedFieldsEntry;
  set: FieldSet;
}

/** Fields of `metadata` that are the server's, never owned by a manager. */
const SERVER_METADATA = new Set([
  "name",
  "namespace",
  "generateName",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "managedFields",
  "selfLink",
]);

/** The paths kube-apiserver leaves out of every field set: `apiVersion`, `kind`, server metadata, maybe `status`. */
export function ignoredPaths(statusIsSubresource: boolean): (path: FieldPath) => boolean {
  return (path) => {
    const first = path[0];
    if (path.length === 1 && (first === "f:apiVersion" || first === "f:kind")) return true;
    if (first === "f:status" && statusIsSubresource) return true;
    return first === "f:metadata" && path.length === 2 && SERVER_METADATA.has(path[1]!.slice(2));
  };
}

/** The manager kube-apiserver records for a write without `fieldManager`: the user agent up to its first `/`. */
export function managerFromUserAgent(userAgent: string | undefined): string {
  return (userAgent ?? "").split("/")[0]!.slice(0, 128) || "unknown";
}

/** Reads `metadata.managedFields`; entries that are not well-formed are dropped. */
export function readManagedFields(obj: JsonObject | undefined): ManagedFieldsEntry[] {
  const metadata = obj && ownValue(obj, "metadata");
  const entries = isJsonObject(metadata) ? ownValue(metadata, "managedFields") : undefined;
  if (!Array.isArray(entries)) return [];
  return entries.filter(
    (e): e is ManagedFieldsEntry =>
      isJsonObject(e) && typeof e.manager === "string" && (e.operation === "Apply" || e.operation === "Update"),
  );
}

/**
 * Server-side apply of `applied` (the caller's whole intent for the fields it names) to `live` (undefined when the
 * object does not exist yet): the applied fields are merged in (maps key by key, keyed lists item by item, anything
 * else replaced), fields the manager applied before and no longer applies are removed unless another manager owns
 * them, and `metadata.managedFields` get the manager's `Apply` entry. A field another manager owns and the apply
 * would change is a conflict: 409 with kube-apiserver's message, unless `force`, which takes it over.
 */
export function serverSideApply(
  live: JsonObject | undefined,
  applied: JsonObject,
  ownership: FieldOwnership,
  force: boolean,
): JsonObject {
  const appliedMetadata = ownValue(applied, "metadata");
  if (isJsonObject(appliedMetadata) && ownValue(appliedMetadata, "managedFields") !== undefined) {
    throw StatusError.badRequest("metadata.managedFields must be nil");
  }
  const { manager, ignore } = ownership;
  const base = withoutManagedFields(live ?? {});
  const merged = mergeApplied(base, applied) as JsonObject;
  const appliedSet = fieldSetOf(applied, ignore);
  const managers = readManagers(live);
  const isSelf = (m: Manager) => m.entry.manager === manager && m.entry.operation === "Apply" && !m.entry.subresource;

  const { changed, removed } = compare(base, merged, ignore);
  const conflicts: { manager: Manager; path: FieldPath }[] = [];
  for (const other of managers) {
    if (isSelf(other)) continue;
    for (const path of other.set.intersection(changed).paths()) conflicts.push({ manager: other, path });
  }
  if (conflicts.length > 0 && !force) throw conflictError(conflicts);
  for (const { manager: other, path } of conflicts) other.set.delete(path);
  for (const m of managers) for (const path of removed.paths()) m.set.delete(path);

  // Fields applied before and not now go, unless someone else still owns them or something below them.
  const previous = managers.find(isSelf)?.set ?? new FieldSet();
  const others = managers.filter((m) => !isSelf(m));
  const dropped = previous
    .difference(appliedSet)
    .paths()
    .filter((path) => !others.some((m) => m.set.hasAtOrBelow(path)))
    .sort((a, b) => a.length - b.length);
  // Outermost first: a list item goes while its key fields still identify it, and what was below it goes with it.
  const gone: FieldPath[] = [];
  for (const path of dropped) {
    if (gone.some((g) => g.every((e, i) => path[i] === e))) continue;
    removePath(merged, path);
    gone.push(path);
  }

  const entries = managedEntries(managers, isSelf, appliedSet, {
    ...ownership,
    operation: "Apply",
    changed: changed.size > 0 || dropped.length > 0,
  });
  setManagedFields(merged, entries);
  return merged;
}

/**
 * The `managedFields` of an object written by an update (create, PUT, or a merge, strategic-merge or JSON patch):
 * the manager's `Update` entry gains every field the write added or changed, which no other manager owns any
 * longer (updates always take fields over), and fields the write removed leave every entry.
 */
export function recordUpdate(
  live: JsonObject | undefined,
  next: JsonObject,
  ownership: FieldOwnership,
  subresource?: string,
): ManagedFieldsEntry[] {
  const { manager, ignore } = ownership;
  const managers = readManagers(live);
  const isSelf = (m: Manager) =>
    m.entry.manager === manager &&
    m.entry.operation === "Update" &&
    (m.entry.subresource ?? "") === (subresource ?? "");
  const { changed, removed } = compare(withoutManagedFields(live ?? {}), withoutManagedFields(next), ignore);
  for (const m of managers) {
    for (const path of removed.paths()) m.set.delete(path);
    if (!isSelf(m)) for (const path of changed.paths()) m.set.delete(path);
  }
  const own = (managers.find(isSelf)?.set ?? new FieldSet()).union(changed);
  return managedEntries(managers, isSelf, own, {
    ...ownership,
    operation: "Update",
    changed: changed.size > 0 || removed.size > 0,
    subresource,
  });
}

/** Sets `metadata.managedFields`, or removes it when there are none. */
export function setManagedFields(obj: JsonObject, entries: ManagedFieldsEntry[]): void {
  const metadata = isJsonObject(obj.metadata) ? obj.metadata : (obj.metadata = {});
  if (entries.length > 0) metadata.managedFields = entries;
  else delete metadata.managedFields;
}

function readManagers(live: JsonObject | undefined): Manager[] {
  return readManagedFields(live).map((entry) => ({
    entry,
    set: FieldSet.fromFieldsV1(entry.fieldsV1),
  }));
}

function withoutManagedFields(obj: JsonObject): JsonObject {
  const copy = cloneJson(obj);
  if (isJsonObject(copy.metadata)) delete copy.metadata.managedFields;
  return copy;
}

/**
 * What a write changes: the paths it adds or whose (leaf) value it changes, and the paths it removes, as
 * structured-merge-diff's Compare gives them.
 */
function compare(
  before: JsonObject,
  after: JsonObject,
  ignore: (path: FieldPath) => boolean,
): { changed: FieldSet; removed: FieldSet } {
  const beforeSet = fieldSetOf(before, ignore);
  const afterSet = fieldSetOf(after, ignore);
  const changed = afterSet.difference(beforeSet);
  for (const path of afterSet.intersection(beforeSet).paths()) {
    const leaf = !afterSet.paths().some((p) => p.length > path.length && path.every((e, i) => p[i] === e));
    if (leaf && !jsonEqual(valueAt(before, path), valueAt(after, path))) changed.add(path);
  }
  return { changed, removed: beforeSet.difference(afterSet) };
}

/**
 * The entries after a write: every manager in its place with what it still owns (none left, no entry), the
 * writer's entry replaced or added at the end. An entry whose fields did not change keeps its time when the object
 * did not change either, so that a repeated write changes nothing.
 */
function managedEntries(
  managers: Manager[],
  isSelf: (m: Manager) => boolean,
  ownSet: FieldSet,
  o: FieldOwnership & { operation: "Apply" | "Update"; changed: boolean; subresource?: string | undefined },
): ManagedFieldsEntry[] {
  const out: ManagedFieldsEntry[] = [];
  let placed = false;
  const ownEntry = (previous: ManagedFieldsEntry | undefined): ManagedFieldsEntry | undefined => {
    if (ownSet.size === 0) return undefined;
    const fieldsV1 = ownSet.toFieldsV1();
    const same =
      previous && !o.changed && jsonEqual(previous.fieldsV1, fieldsV1) && previous.apiVersion === o.apiVersion;
    const entry: ManagedFieldsEntry = {
      manager: o.manager,
      operation: o.operation,
      apiVersion: o.apiVersion,
      time: same && previous.time ? previous.time : o.now,
      fieldsType: "FieldsV1",
      fieldsV1,
    };
    if (o.subresource) entry.subresource = o.subresource;
    return entry;
  };
  for (const m of managers) {
    if (isSelf(m)) {
      placed = true;
      const entry = ownEntry(m.entry);
      if (entry) out.push(entry);
    } else if (m.set.size > 0) {
      out.push({ ...m.entry, fieldsV1: m.set.toFieldsV1() });
    }
  }
  if (!placed) {
    const entry = ownEntry(undefined);
    if (entry) out.push(entry);
  }
  return out;
}

/**
 * The applied configuration merged into the live object: maps key by key, keyed lists item by item (live items
 * keep their place, new ones are appended), set-like lists as unions, anything else replaced; a null removes.
 */
export function mergeApplied(live: unknown, applied: unknown, field = ""): unknown {
  if (isJsonObject(applied)) {
    const out: JsonObject = isJsonObject(live) ? { ...live } : {};
    for (const key of Object.keys(applied)) {
      const value = applied[key];
      if (value === null) delete out[key];
      else out[key] = mergeApplied(ownValue(out, key), value, key);
    }
    return out;
  }
  if (Array.isArray(applied) && Array.isArray(live)) {
    const keys = listKeys(field, applied);
    if (keys && live.every(isJsonObject)) {
      const out: unknown[] = [...(live as unknown[])];
      for (const item of applied as JsonObject[]) {
        const index = findItem(keys, out, item);
        if (index >= 0) out[index] = mergeApplied(out[index], item);
        else out.push(cloneJson(item));
      }
      return out;
    }
    if (isSetList(field, applied) && isSetList(field, live)) {
      const liveItems: unknown[] = live;
      return [...liveItems, ...(applied as unknown[]).filter((v) => !liveItems.some((l) => jsonEqual(l, v)))];
    }
  }
  return cloneJson(applied);
}

/** kube-apiserver's 409 for apply conflicts, its message and a `FieldManagerConflict` cause per field. */
function conflictError(conflicts: { manager: Manager; path: FieldPath }[]): StatusError {
  const describe = (m: Manager): string => {
    let text = JSON.stringify(m.entry.manager);
    if (m.entry.subresource) text += ` with subresource ${JSON.stringify(m.entry.subresource)}`;
    if (m.entry.operation === "Update") {
      text += ` using ${m.entry.apiVersion}`;
      if (m.entry.time) text += ` at ${m.entry.time}`;
    }
    return text;
  };
  const causes: StatusCause[] = conflicts.map(({ manager, path }) => ({
    reason: "FieldManagerConflict",
    message: `conflict with ${describe(manager)}`,
    field: pathString(path),
  }));
  let message: string;
  if (conflicts.length === 1) {
    const [only] = conflicts;
    message = `Apply failed with 1 conflict: conflict with ${describe(only!.manager)}: ${pathString(only!.path)}`;
  } else {
    const byManager = new Map<string, { manager: Manager; paths: FieldPath[] }>();
    for (const { manager, path } of conflicts) {
      const key = JSON.stringify([manager.entry.manager, manager.entry.operation, manager.entry.subresource ?? ""]);
      const group = byManager.get(key) ?? { manager, paths: [] };
      group.paths.push(path);
      byManager.set(key, group);
    }
    const lines: string[] = [];
    for (const key of [...byManager.keys()].sort()) {
      const group = byManager.get(key)!;
      lines.push(`conflicts with ${describe(group.manager)}:`);
      for (const path of group.paths) lines.push(`- ${pathString(path)}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join("\n")}`;
  }
  return new StatusError(409, "Conflict", message, { causes });
}
