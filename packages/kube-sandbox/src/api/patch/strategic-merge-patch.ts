import { cloneJson, copyObject, isJsonObject, jsonEqual, ownValue, setOwn, type JsonObject } from "./json-value.js";

/**
 * Lists that merge item by item instead of being replaced, and the key that identifies an item,
 * as the Kubernetes types declare them (`patchMergeKey`). `ports` is resolved by its items.
 */
const MERGE_KEYS: Record<string, string> = {
  containers: "name",
  initContainers: "name",
  ephemeralContainers: "name",
  env: "name",
  volumes: "name",
  volumeMounts: "mountPath",
  volumeDevices: "devicePath",
  imagePullSecrets: "name",
  hostAliases: "ip",
  conditions: "type",
  ownerReferences: "uid",
  topologySpreadConstraints: "topologyKey",
};

/** Lists of plain values that merge as sets. */
const SET_LISTS = new Set(["finalizers"]);

const DELETE = Symbol("delete");

/**
 * Kubernetes strategic merge patch: maps merge like a merge patch, lists of containers, env,
 * volumes, ports and the like merge by their key, other lists are replaced. Honours the
 * `$patch: replace|delete`, `$retainKeys`, `$deleteFromPrimitiveList/` and `$setElementOrder/`
 * directives. Neither input is changed.
 */
export function strategicMergePatch(target: unknown, patch: JsonObject): unknown {
  const merged = mergeMap(isJsonObject(target) ? cloneJson(target) : {}, patch);
  return merged === DELETE ? {} : merged;
}

function mergeMap(original: JsonObject, patch: JsonObject): JsonObject | typeof DELETE {
  const directive = ownValue(patch, "$patch");
  if (directive === "delete") return DELETE;
  if (directive === "replace") return withoutDirectives(patch);

  const out = copyObject(original);
  const retain = ownValue(patch, "$retainKeys");
  if (Array.isArray(retain)) {
    for (const key of Object.keys(out)) if (!retain.includes(key)) delete out[key];
  }
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (key === "$patch" || key === "$retainKeys" || key.startsWith("$setElementOrder/")) continue;
    if (key.startsWith("$deleteFromPrimitiveList/")) {
      const field = key.slice("$deleteFromPrimitiveList/".length);
      const current = ownValue(out, field);
      if (Array.isArray(current) && Array.isArray(value))
        setOwn(
          out,
          field,
          current.filter((v) => !value.some((d) => jsonEqual(d, v))),
        );
      continue;
    }
    if (value === null) {
      delete out[key];
    } else if (isJsonObject(value)) {
      const current = ownValue(out, key);
      const merged = mergeMap(isJsonObject(current) ? current : {}, value);
      if (merged === DELETE) delete out[key];
      else setOwn(out, key, merged);
    } else if (Array.isArray(value)) {
      setOwn(out, key, mergeList(key, ownValue(out, key), value));
    } else {
      setOwn(out, key, value);
    }
  }
  for (const key of Object.keys(patch)) {
    if (!key.startsWith("$setElementOrder/")) continue;
    const field = key.slice("$setElementOrder/".length);
    const list = ownValue(out, field);
    const order = patch[key];
    if (Array.isArray(list) && Array.isArray(order)) setOwn(out, field, reorder(field, list, order));
  }
  return out;
}

function mergeList(key: string, original: unknown, patch: unknown[]): unknown[] {
  const replaceAll = patch.some((item) => isJsonObject(item) && ownValue(item, "$patch") === "replace");
  const items = patch.filter((item) => !(isJsonObject(item) && ownValue(item, "$patch") === "replace"));
  const current: unknown[] = Array.isArray(original) ? original : [];
  if (!replaceAll && SET_LISTS.has(key)) {
    return [...current, ...items.filter((v) => !current.some((c) => jsonEqual(c, v)))];
  }
  const mergeKey = mergeKeyOf(key, current, items);
  if (replaceAll || !mergeKey) {
    return items
      .filter((item) => !isDeleteDirective(item))
      .map((item) => (isJsonObject(item) ? withoutDirectives(item) : item));
  }
  const out = [...current];
  for (const item of items) {
    if (!isJsonObject(item)) {
      out.push(item);
      continue;
    }
    const id = ownValue(item, mergeKey);
    const at = out.findIndex((o) => isJsonObject(o) && jsonEqual(ownValue(o, mergeKey), id));
    if (isDeleteDirective(item)) {
      if (at >= 0) out.splice(at, 1);
    } else if (at >= 0) {
      const merged = mergeMap(out[at] as JsonObject, item);
      if (merged === DELETE) out.splice(at, 1);
      else out[at] = merged;
    } else {
      out.push(withoutDirectives(item));
    }
  }
  return out;
}

/** Container ports merge by `containerPort`, Service ports by `port`. */
function mergeKeyOf(key: string, current: unknown[], patch: unknown[]): string | undefined {
  if (key !== "ports") return MERGE_KEYS[key];
  const items = [...current, ...patch].filter(isJsonObject);
  return items.some((i) => "containerPort" in i) ? "containerPort" : "port";
}

function isDeleteDirective(item: unknown): boolean {
  return isJsonObject(item) && ownValue(item, "$patch") === "delete";
}

/** An object from a patch with every directive removed (a new item, or a `$patch: replace` map). */
function withoutDirectives(patch: JsonObject): JsonObject {
  const merged = mergeMap({}, { ...copyObject(patch), $patch: undefined });
  return merged === DELETE ? {} : merged;
}

/** Puts list items in the order `$setElementOrder` gives; items it does not name keep their place after. */
function reorder(field: string, list: unknown[], order: unknown[]): unknown[] {
  const mergeKey = mergeKeyOf(field, list, order);
  const idOf = (v: unknown) => (mergeKey && isJsonObject(v) ? ownValue(v, mergeKey) : v);
  const rank = (v: unknown) => {
    const at = order.findIndex((o) => jsonEqual(idOf(o), idOf(v)));
    return at < 0 ? order.length : at;
  };
  return list
    .map((item, index) => ({ item, index, rank: rank(item) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map((e) => e.item);
}
