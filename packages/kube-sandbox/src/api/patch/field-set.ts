import { isJsonObject, jsonEqual, ownValue, type JsonObject } from "./json-value.js";

/**
 * One step of a field path, as `managedFields` write it: `f:NAME` a field of a map, `k:{"name":"main"}` the item
 * of a keyed list with those key values, `v:"x"` the item of a set-like list with that value.
 */
export type PathElement = string;
export type FieldPath = readonly PathElement[];

/**
 * Lists whose items are identified by keys, as the Kubernetes types declare them for server-side apply
 * (`x-kubernetes-list-type: map` and its `x-kubernetes-list-map-keys`), by field name. `ports` is keyed by
 * `containerPort` or `port` with `protocol` (default `TCP`), resolved by its items.
 */
const LIST_MAP_KEYS: Record<string, readonly string[]> = {
  containers: ["name"],
  initContainers: ["name"],
  ephemeralContainers: ["name"],
  env: ["name"],
  volumes: ["name"],
  volumeMounts: ["mountPath"],
  volumeDevices: ["devicePath"],
  imagePullSecrets: ["name"],
  hostAliases: ["ip"],
  conditions: ["type"],
  ownerReferences: ["uid"],
  topologySpreadConstraints: ["topologyKey", "whenUnsatisfiable"],
  resourceClaims: ["name"],
};

/** Lists of plain values that are sets (`x-kubernetes-list-type: set`): items are `v:` paths. */
const SET_LISTS = new Set(["finalizers"]);

/** The keys that identify the items of a list of objects, or undefined for a list that is atomic (replaced whole). */
export function listKeys(field: string, items: readonly unknown[]): readonly string[] | undefined {
  if (!items.every(isJsonObject)) return undefined;
  if (field === "ports") {
    if (items.length > 0 && items.every((i) => ownValue(i, "containerPort") !== undefined)) {
      return ["containerPort", "protocol"];
    }
    if (items.length > 0 && items.every((i) => ownValue(i, "port") !== undefined)) return ["port", "protocol"];
    return undefined;
  }
  return LIST_MAP_KEYS[field];
}

export function isSetList(field: string, items: readonly unknown[]): boolean {
  return SET_LISTS.has(field) && items.every((i) => i === null || typeof i !== "object");
}

/** The key values of a keyed list's item, `protocol` defaulted as the API server defaults it. */
function keyValues(keys: readonly string[], item: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const key of keys) {
    const value = ownValue(item, key);
    if (value !== undefined) out[key] = value;
    else if (key === "protocol") out[key] = "TCP";
  }
  return out;
}

/** The `k:` element of a keyed list's item: its key values as JSON, in the order the keys are declared. */
export function itemElement(keys: readonly string[], item: JsonObject): PathElement {
  return `k:${JSON.stringify(keyValues(keys, item))}`;
}

function sameKey(keys: readonly string[], a: JsonObject, b: JsonObject): boolean {
  return jsonEqual(keyValues(keys, a), keyValues(keys, b));
}

/** The item of a keyed list with the same key values as `item`, and its index (-1 when none). */
export function findItem(keys: readonly string[], list: readonly unknown[], item: JsonObject): number {
  return list.findIndex((candidate) => isJsonObject(candidate) && sameKey(keys, candidate, item));
}

/** A set of field paths, as `managedFields` record which fields a manager owns. */
export class FieldSet {
  private readonly members = new Map<string, FieldPath>();

  constructor(paths: Iterable<FieldPath> = []) {
    for (const path of paths) this.add(path);
  }

  add(path: FieldPath): void {
    this.members.set(JSON.stringify(path), path);
  }

  has(path: FieldPath): boolean {
    return this.members.has(JSON.stringify(path));
  }

  delete(path: FieldPath): void {
    this.members.delete(JSON.stringify(path));
  }

  get size(): number {
    return this.members.size;
  }

  paths(): FieldPath[] {
    return [...this.members.values()];
  }

  union(other: FieldSet): FieldSet {
    return new FieldSet([...this.paths(), ...other.paths()]);
  }

  difference(other: FieldSet): FieldSet {
    return new FieldSet(this.paths().filter((p) => !other.has(p)));
  }

  intersection(other: FieldSet): FieldSet {
    return new FieldSet(this.paths().filter((p) => other.has(p)));
  }

  /** Whether the set holds `path` or any path below it. */
  hasAtOrBelow(path: FieldPath): boolean {
    return this.paths().some((p) => p.length >= path.length && path.every((e, i) => p[i] === e));
  }

  /**
   * The `fieldsV1` tree: each element a key holding the tree below it, `{}` for a member without children, and
   * `".": {}` among the children of a member that has them (a keyed list's item whose fields are listed too).
   */
  toFieldsV1(): JsonObject {
    const root: JsonObject = {};
    const sorted = this.paths().sort((a, b) => a.length - b.length);
    const memberNodes = new Set<JsonObject>();
    for (const path of sorted) {
      let node = root;
      for (const element of path) {
        if (!isJsonObject(node[element])) node[element] = {};
        node = node[element] as JsonObject;
      }
      memberNodes.add(node);
    }
    for (const node of memberNodes) if (Object.keys(node).length > 0) node["."] = {};
    return sortTree(root);
  }

  /** Reads a `fieldsV1` tree; anything that is not one gives an empty set. */
  static fromFieldsV1(tree: unknown): FieldSet {
    const set = new FieldSet();
    const walk = (node: unknown, path: PathElement[]) => {
      if (!isJsonObject(node)) return;
      const keys = Object.keys(node);
      if (path.length > 0 && (keys.length === 0 || keys.includes("."))) set.add(path);
      for (const key of keys) if (key !== ".") walk(node[key], [...path, key]);
    };
    walk(tree, []);
    return set;
  }
}

/** `.` first, then the keys in order, as kube-apiserver's encoding sorts them. */
function sortTree(node: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(node).sort()) out[key] = sortTree(node[key] as JsonObject);
  return out;
}

/**
 * The fields an object sets, as server-side apply counts them: every scalar, every atomic list (a list of plain
 * values, or of objects without identifying keys), every empty map and null; every item of a keyed list (with its
 * fields) and of a set-like list. Maps are not members themselves, only what they hold. `ignore` names paths left
 * out with everything below them.
 */
export function fieldSetOf(value: unknown, ignore: (path: FieldPath) => boolean = () => false): FieldSet {
  const set = new FieldSet();
  const walk = (node: unknown, path: PathElement[], field: string) => {
    if (path.length > 0 && ignore(path)) return;
    if (isJsonObject(node)) {
      const keys = Object.keys(node);
      if (keys.length === 0 && path.length > 0) set.add(path);
      for (const key of keys) walk(node[key], [...path, `f:${key}`], key);
      return;
    }
    if (Array.isArray(node)) {
      const keys = listKeys(field, node);
      if (keys) {
        for (const item of node as JsonObject[]) {
          const itemPath = [...path, itemElement(keys, item)];
          set.add(itemPath);
          for (const key of Object.keys(item)) walk(item[key], [...itemPath, `f:${key}`], key);
        }
        return;
      }
      if (isSetList(field, node)) {
        for (const item of node) set.add([...path, `v:${JSON.stringify(item)}`]);
        return;
      }
    }
    if (path.length > 0) set.add(path);
  };
  walk(value, [], "");
  return set;
}

/** The value at a path of an object, or undefined when the object has nothing there. */
export function valueAt(root: unknown, path: FieldPath): unknown {
  let node: unknown = root;
  let field = "";
  for (const element of path) {
    if (element.startsWith("f:")) {
      if (!isJsonObject(node)) return undefined;
      field = element.slice(2);
      node = ownValue(node, field);
    } else if (element.startsWith("k:")) {
      if (!Array.isArray(node)) return undefined;
      const keys = listKeys(field, node);
      if (!keys) return undefined;
      const index = findItem(keys, node, JSON.parse(element.slice(2)) as JsonObject);
      node = index < 0 ? undefined : node[index];
    } else if (element.startsWith("v:")) {
      if (!Array.isArray(node)) return undefined;
      const wanted = JSON.parse(element.slice(2)) as unknown;
      node = node.find((item) => jsonEqual(item, wanted));
    } else {
      return undefined;
    }
    if (node === undefined) return undefined;
  }
  return node;
}

/** Removes what a path names from an object (changing it); nothing when the object has nothing there. */
export function removePath(root: JsonObject, path: FieldPath): void {
  if (path.length === 0) return;
  const parent = valueAt(root, path.slice(0, -1));
  const last = path[path.length - 1]!;
  const field =
    [...path.slice(0, -1)]
      .reverse()
      .find((e) => e.startsWith("f:"))
      ?.slice(2) ?? "";
  if (last.startsWith("f:") && isJsonObject(parent)) {
    delete parent[last.slice(2)];
  } else if (last.startsWith("k:") && Array.isArray(parent)) {
    const keys = listKeys(field, parent);
    const index = keys ? findItem(keys, parent, JSON.parse(last.slice(2)) as JsonObject) : -1;
    if (index >= 0) parent.splice(index, 1);
  } else if (last.startsWith("v:") && Array.isArray(parent)) {
    const wanted = JSON.parse(last.slice(2)) as unknown;
    const index = parent.findIndex((item) => jsonEqual(item, wanted));
    if (index >= 0) parent.splice(index, 1);
  }
}

/**
 * A path as kube-apiserver prints it in conflicts: `.spec.replicas`, `.spec.containers[name="main"].image`,
 * `.metadata.finalizers[="x"]`.
 */
export function pathString(path: FieldPath): string {
  return path
    .map((element) => {
      if (element.startsWith("f:")) return `.${element.slice(2)}`;
      if (element.startsWith("k:")) {
        const keys = JSON.parse(element.slice(2)) as JsonObject;
        return `[${Object.entries(keys)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(",")}]`;
      }
      if (element.startsWith("v:")) return `[=${element.slice(2)}]`;
      return element;
    })
    .join("");
}
