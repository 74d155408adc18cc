import type { KubeObject, ObjectStore } from "../api/object-store.js";

/** Who reports an Event: `kubelet` with the node's name, or a controller such as `deployment-controller`. */
export interface EventSource {
  /** `source.component` and `reportingComponent`, e.g. `kubelet`, `replicaset-controller`. */
  component: string;
  /** `source.host` and `reportingInstance`: the node, for the kubelet. */
  host?: string;
}

/** An Event about one object: what kubectl describe shows under `Events:`. */
export interface EventNote {
  /** `Normal` for what went as intended, `Warning` for what did not. */
  type: "Normal" | "Warning";
  /** One CamelCase word, e.g. `Started`, `BackOff`, `SuccessfulCreate`. */
  reason: string;
  /** One sentence for a person. */
  message: string;
  /** The part of the object concerned, e.g. `spec.containers{etcd}`. */
  fieldPath?: string;
}

/** Writes Events to the store as the kubelet and the controllers of Kubernetes write them to the API. */
export interface EventRecorder {
  /**
   * Records `note` about `object`. A repeat of the same note about the same object (as a BackOff is,
   * at every crash) raises `count` and `lastTimestamp` of the Event already written instead of adding one.
   */
  record(object: KubeObject, note: EventNote): void;
}

/** How the recorder reads the time; the sandbox's clock in production, a fixed one in tests. */
export type Now = () => Date;

/** Keeps Events for repeats this long after their last occurrence, as the API server's event TTL does (1 h). */
const REPEAT_WINDOW_MS = 60 * 60 * 1000;

/** Creates a recorder that writes Events from `source` into `store`; `onError` hears of any it could not write. */
export function createEventRecorder(
  store: ObjectStore,
  source: EventSource,
  now: Now = () => new Date(),
  onError: (error: unknown) => void = () => {},
): EventRecorder {
  /** The Event written for each repeat key, with when it last happened. */
  const written = new Map<string, { namespace: string; name: string; lastMs: number }>();
  let sequence = 0;

  function write(object: KubeObject, note: EventNote): void {
    const namespace = object.metadata.namespace ?? "default";
    const at = now();
    const key = [object.metadata.uid, note.type, note.reason, note.message, note.fieldPath ?? ""].join("\u0000");
    const earlier = written.get(key);
    const stored =
      earlier && at.getTime() - earlier.lastMs < REPEAT_WINDOW_MS
        ? store.get("events", earlier.namespace, earlier.name)
        : undefined;
    const timestamp = at.toISOString().replace(/\.\d+Z$/, "Z");
    if (stored) {
      store.update("events", {
        ...stored,
        count: ((stored.count as number | undefined) ?? 1) + 1,
        lastTimestamp: timestamp,
        metadata: { ...stored.metadata, resourceVersion: undefined },
      });
      written.set(key, { ...earlier!, lastMs: at.getTime() });
      return;
    }
    // Kubernetes names an Event after its object and the time in nanoseconds, in hexadecimal.
    const nanos = BigInt(at.getTime()) * 1_000_000n + BigInt(sequence++ % 1_000_000);
    const name = `${object.metadata.name}.${nanos.toString(16)}`;
    store.create("events", {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: object.apiVersion,
        kind: object.kind,
        name: object.metadata.name,
        namespace: object.metadata.namespace,
        uid: object.metadata.uid,
        resourceVersion: object.metadata.resourceVersion,
        ...(note.fieldPath ? { fieldPath: note.fieldPath } : {}),
      },
      type: note.type,
      reason: note.reason,
      message: note.message,
      source: { component: source.component, ...(source.host ? { host: source.host } : {}) },
      reportingComponent: source.component,
      reportingInstance: source.host ?? "",
      firstTimestamp: timestamp,
      lastTimestamp: timestamp,
      count: 1,
    });
    written.set(key, { namespace, name, lastMs: at.getTime() });
  }

  return {
    record(object, note) {
      // As in Kubernetes, an Event that cannot be written is dropped: it never stops the work it reports.
      try {
        write(object, note);
      } catch (error) {
        onError(error);
      }
    },
  };
}
