import type { StoreEvent } from "../api/object-store.js";
import type { ReconcileResult } from "./work-queue.js";

/** One control loop: which store changes concern it, and how it brings one key in line. */
export interface Controller {
  /** Short name, used in logs and to keep work keys of different controllers apart. */
  readonly name: string;
  /** Work keys a store change calls for. Runs inside the store's event dispatch: it must only read. */
  keysFor(event: StoreEvent): string[];
  /** Work keys for everything already in the store when the controller starts. */
  initialKeys(): string[];
  /** Brings the objects behind one key in line; throws to be retried after a delay. */
  reconcile(key: string): ReconcileResult | void;
}

/** `namespace/name`, the key of a namespaced object. */
export function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ""}/${name}`;
}

/** The namespace and name back from an `objectKey`; an empty namespace is a cluster-scoped object. */
export function parseObjectKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf("/");
  const namespace = key.slice(0, slash);
  return { namespace: namespace || undefined, name: key.slice(slash + 1) };
}
