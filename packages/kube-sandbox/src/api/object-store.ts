import { randomUUID } from "node:crypto";
import { StatusError } from "./status-error.js";
import { resourceTypeOf } from "./resource-catalog.js";
import { cloneJson } from "./patch/json-value.js";

/** Any Kubernetes object as JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

interface ObjectMeta {
  name: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  [field: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

/** One change of one object, as a watch stream carries it. */
export interface StoreEvent {
  type: WatchEventType;
  /** Catalog key of the object's type, e.g. `pods`, `deployments.apps`. */
  resource: string;
  /** The object after the change (for DELETED: its last state, with the deletion's resourceVersion). */
  object: KubeObject;
  /** The object before the change; absent for ADDED. */
  previous?: KubeObject;
  /** Resource version of this change as a number. */
  rv: number;
}

export type StoreListener = (event: StoreEvent) => void;

/** A listener, and the one type it wants changes of (every type when absent). */
interface Subscription {
  resource?: string;
  listener: StoreListener;
}

export interface StoreOptions {
  /** Events kept for watches that resume from a resourceVersion; older ones answer 410. Default 10000. */
  historyLimit?: number;
}

/** Characters Kubernetes uses for generated name suffixes. */
const SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** Five (or `length`) random characters of the alphabet Kubernetes uses for generated names. */
export function randomNameSuffix(length = 5): string {
  let out = "";
  for (let i = 0; i < length; i++) out += SUFFIX_ALPHABET[Math.floor(Math.random() * SUFFIX_ALPHABET.length)];
  return out;
}

/**
 * The sandbox's etcd: every object of every type, one global resourceVersion counter,
 * and a bounded history of changes from which watches resume.
 */
export class ObjectStore {
  private readonly objects = new Map<string, KubeObject>();
  /** The same objects by type, so that a list reads only its own type's. */
  private readonly byResource = new Map<string, Map<string, KubeObject>>();
  private readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<Subscription>();
  private readonly historyLimit: number;
  private readonly pending: StoreEvent[] = [];
  private dispatching = false;
  private revision = 0;
  /** Watches from a resourceVersion below this answer 410 Gone: their events are dropped. */
  private compactedThrough = 0;

  constructor(options: StoreOptions = {}) {
    this.historyLimit = options.historyLimit ?? 10_000;
  }

  /** The current resourceVersion of the whole store, as a list answer carries it. */
  get resourceVersion(): string {
    return String(this.revision);
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.objects.get(storeKey(resource, namespace, name));
    return found ? cloneJson(found) : undefined;
  }

  /** Reads an object or throws the Kubernetes NotFound status. */
  require(resource: string, namespace: string | undefined, name: string): KubeObject {
    const found = this.get(resource, namespace, name);
    if (!found) throw notFound(resource, name);
    return found;
  }

  /**
   * Every object of a type, in one namespace or all of them, that `filter` (when given) picks, sorted by namespace
   * and name. Only the picked objects are copied: a controller looking for the Pods of one owner among many pays
   * for those alone. `filter` is shown the stored objects and must not change them.
   */
  list(resource: string, namespace?: string, filter?: (obj: KubeObject) => boolean): KubeObject[] {
    const out: KubeObject[] = [];
    for (const obj of this.byResource.get(resource)?.values() ?? []) {
      if (namespace !== undefined && obj.metadata.namespace !== namespace) continue;
      if (filter && !filter(obj)) continue;
      out.push(cloneJson(obj));
    }
    return out.sort((a, b) =>
      `${a.metadata.namespace ?? ""}/${a.metadata.name}`.localeCompare(
        `${b.metadata.namespace ?? ""}/${b.metadata.name}`,
      ),
    );
  }

  /** Stores a new object: name from generateName, uid, resourceVersion, creationTimestamp, generation. */
  create(resource: string, input: KubeObject): KubeObject {
    const obj = cloneJson(input);
    const meta = obj.metadata;
    if (!meta.name && meta.generateName) {
      do meta.name = `${meta.generateName}${randomNameSuffix()}`;
      while (this.objects.has(storeKey(resource, meta.namespace, meta.name)));
    }
    const key = storeKey(resource, meta.namespace, meta.name);
    if (this.objects.has(key)) throw alreadyExists(resource, meta.name);
    // As Kubernetes' namespace lifecycle admission refuses it to every writer, controllers included.
    const namespace =
      meta.namespace === undefined ? undefined : this.objects.get(storeKey("namespaces", undefined, meta.namespace));
    if (namespace?.metadata.deletionTimestamp)
      throw namespaceTerminatingError(resource, input.metadata.name, namespace.metadata.name);
    meta.uid = randomUUID();
    meta.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    meta.generation = 1;
    delete meta.deletionTimestamp;
    return this.commit("ADDED", resource, key, obj, undefined);
  }

  /**
   * Replaces an object. With a resourceVersion in the input it must match the stored one (409 Conflict
   * otherwise); without one the write is unconditional. `generation` moves when `spec` changes.
   */
  update(resource: string, input: KubeObject): KubeObject {
    const obj = cloneJson(input);
    const key = storeKey(resource, obj.metadata.namespace, obj.metadata.name);
    const current = this.objects.get(key);
    if (!current) throw notFound(resource, obj.metadata.name);
    const wanted = obj.metadata.resourceVersion;
    if (wanted && wanted !== current.metadata.resourceVersion) throw conflict(resource, obj.metadata.name);
    // Identity and bookkeeping fields belong to the server.
    obj.metadata.uid = current.metadata.uid;
    obj.metadata.creationTimestamp = current.metadata.creationTimestamp;
    obj.metadata.generation = current.metadata.generation;
    if (current.metadata.deletionTimestamp) {
      obj.metadata.deletionTimestamp = current.metadata.deletionTimestamp;
      obj.metadata.deletionGracePeriodSeconds = current.metadata.deletionGracePeriodSeconds;
    }
    if (JSON.stringify(obj.spec) !== JSON.stringify(current.spec)) {
      obj.metadata.generation = (current.metadata.generation ?? 1) + 1;
    }
    if (JSON.stringify(withoutVersion(obj)) === JSON.stringify(withoutVersion(current))) return cloneJson(current);
    return this.commit("MODIFIED", resource, key, obj, current);
  }

  /**
   * Reads, changes and writes one object in one step (the store is single-threaded, so nothing can
   * slip in between). `change` may return false to leave the object alone.
   */
  mutate(
    resource: string,
    namespace: string | undefined,
    name: string,
    change: (obj: KubeObject) => boolean | void,
  ): KubeObject | undefined {
    const current = this.get(resource, namespace, name);
    if (!current) return undefined;
    if (change(current) === false) return current;
    delete current.metadata.resourceVersion;
    return this.update(resource, current);
  }

  /** Marks an object as being deleted (graceful deletion); the owner of the object finishes it with `remove`. */
  markDeleting(resource: string, namespace: string | undefined, name: string, gracePeriodSeconds: number): KubeObject {
    const key = storeKey(resource, namespace, name);
    const current = this.objects.get(key);
    if (!current) throw notFound(resource, name);
    if (current.metadata.deletionTimestamp) return cloneJson(current);
    const obj = cloneJson(current);
    obj.metadata.deletionTimestamp = new Date(Date.now() + gracePeriodSeconds * 1000)
      .toISOString()
      .replace(/\.\d+Z$/, "Z");
    obj.metadata.deletionGracePeriodSeconds = gracePeriodSeconds;
    return this.commit("MODIFIED", resource, key, obj, current);
  }

  /**
   * Moves the deletion deadline of an object already being deleted to `gracePeriodSeconds` from now,
   * as a second, shorter graceful delete does. Leaves an object that is not being deleted alone.
   */
  shortenGracePeriod(
    resource: string,
    namespace: string | undefined,
    name: string,
    gracePeriodSeconds: number,
  ): KubeObject {
    const key = storeKey(resource, namespace, name);
    const current = this.objects.get(key);
    if (!current) throw notFound(resource, name);
    if (!current.metadata.deletionTimestamp) return cloneJson(current);
    const obj = cloneJson(current);
    obj.metadata.deletionTimestamp = new Date(Date.now() + gracePeriodSeconds * 1000)
      .toISOString()
      .replace(/\.\d+Z$/, "Z");
    obj.metadata.deletionGracePeriodSeconds = gracePeriodSeconds;
    return this.commit("MODIFIED", resource, key, obj, current);
  }

  /** Removes an object for good; watchers see DELETED. */
  remove(resource: string, namespace: string | undefined, name: string): KubeObject {
    const key = storeKey(resource, namespace, name);
    const current = this.objects.get(key);
    if (!current) throw notFound(resource, name);
    this.objects.delete(key);
    this.byResource.get(resource)?.delete(key);
    const last = cloneJson(current);
    this.revision += 1;
    last.metadata.resourceVersion = String(this.revision);
    const event: StoreEvent = {
      type: "DELETED",
      resource,
      object: last,
      previous: cloneJson(current),
      rv: this.revision,
    };
    this.record(event);
    return cloneJson(last);
  }

  /**
   * Changes of one type after `fromVersion`, then every later one as it happens. Throws the 410
   * `Expired` status when changes after `fromVersion` have already been dropped.
   * Returns a function that stops the subscription.
   */
  watch(resource: string, fromVersion: number, listener: StoreListener): () => void {
    if (fromVersion < this.compactedThrough) {
      throw StatusError.expired(String(fromVersion), String(this.compactedThrough));
    }
    for (const event of this.history) {
      if (event.rv > fromVersion && event.resource === resource) listener(cloneJson(event));
    }
    // Changes of other types are not even copied for it.
    const live: Subscription = { resource, listener };
    this.listeners.add(live);
    return () => this.listeners.delete(live);
  }

  /** Every change of every type as it happens (controllers, the kubelet, metrics). */
  subscribe(listener: StoreListener): () => void {
    const subscription: Subscription = { listener };
    this.listeners.add(subscription);
    return () => this.listeners.delete(subscription);
  }

  /** Drops the history up to now, as an API server's etcd compaction does: older watches get 410. */
  compact(): void {
    this.history.length = 0;
    this.compactedThrough = this.revision;
  }

  private commit(
    type: WatchEventType,
    resource: string,
    key: string,
    obj: KubeObject,
    previous: KubeObject | undefined,
  ): KubeObject {
    this.revision += 1;
    obj.metadata.resourceVersion = String(this.revision);
    this.objects.set(key, obj);
    let typed = this.byResource.get(resource);
    if (!typed) {
      typed = new Map<string, KubeObject>();
      this.byResource.set(resource, typed);
    }
    typed.set(key, obj);
    this.record({
      type,
      resource,
      object: cloneJson(obj),
      previous: previous ? cloneJson(previous) : undefined,
      rv: this.revision,
    });
    return cloneJson(obj);
  }

  private record(event: StoreEvent): void {
    this.history.push(event);
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.shift();
      if (dropped) this.compactedThrough = dropped.rv;
    }
    // A listener that writes to the store must not let its change overtake the one being announced.
    this.pending.push(event);
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      for (let next = this.pending.shift(); next; next = this.pending.shift()) {
        for (const { resource, listener } of [...this.listeners]) {
          if (resource !== undefined && resource !== next.resource) continue;
          try {
            listener(cloneJson(next));
          } catch {
            // A broken listener must not break the store or other listeners.
          }
        }
      }
    } finally {
      this.dispatching = false;
    }
  }
}

function storeKey(resource: string, namespace: string | undefined, name: string): string {
  return `${resource}/${namespace ?? ""}/${name}`;
}

function withoutVersion(obj: KubeObject): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: undefined, generation: undefined } };
}

function notFound(resource: string, name: string): StatusError {
  const t = resourceTypeOf(resource);
  return StatusError.notFound(t.plural, t.group, name);
}

function alreadyExists(resource: string, name: string): StatusError {
  const t = resourceTypeOf(resource);
  return StatusError.alreadyExists(t.plural, t.group, name);
}

/** The 403 Forbidden Kubernetes answers a create of `name` (a `resource`) in a namespace being deleted with. */
export function namespaceTerminatingError(resource: string, name: string, namespace: string): StatusError {
  const t = resourceTypeOf(resource);
  const why = `unable to create new content in namespace ${namespace} because it is being terminated`;
  return StatusError.forbidden(t.plural, t.group, name, why);
}

function conflict(resource: string, name: string): StatusError {
  const t = resourceTypeOf(resource);
  return StatusError.conflict(t.plural, t.group, name);
}
