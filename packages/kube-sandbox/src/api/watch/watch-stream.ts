import type { ServerResponse } from "node:http";
import type { TableRequest } from "../http/accept.js";
import type { ObjectFilter } from "../objects/object-filter.js";
import type { KubeObject, ObjectStore, StoreEvent } from "../object-store.js";
import { groupVersion, type ResourceType } from "../resource-catalog.js";
import { StatusError } from "../status-error.js";
import { buildTable } from "../tables/build-table.js";
import type { TablePrinter } from "../tables/table-printer.js";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

export interface WatchStreamOptions {
  res: ServerResponse;
  store: ObjectStore;
  /** Catalog key of the watched type. */
  resource: string;
  type: ResourceType;
  /** Namespace, label and field selection. */
  filter: ObjectFilter;
  /** Send Table objects (one row each) instead of the objects themselves. */
  table?: { request: TableRequest; printer: TablePrinter };
  /** Send a BOOKMARK after this long without an event, ms; undefined = no bookmarks. */
  bookmarkIntervalMs?: number;
  /** End the stream after this long, ms. */
  timeoutMs?: number;
  /**
   * `sendInitialEvents=true` (client-go's watch-list): after the initial ADDED events, a BOOKMARK
   * annotated `k8s.io/initial-events-end` tells the client its cache is complete.
   */
  markInitialEventsEnd?: boolean;
  /** Called once when the stream ends, whichever side ends it. */
  onClose(): void;
}

/**
 * One watch response: a line of JSON per event. Objects that start or stop matching the filter
 * arrive as ADDED and DELETED, as a Kubernetes watch with selectors reports them.
 */
export class WatchStream {
  private unsubscribe: (() => void) | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;
  private columnsSent = false;
  private lastWrite = Date.now();

  constructor(private readonly options: WatchStreamOptions) {
    options.res.on("close", () => this.close());
  }

  /**
   * Starts from `fromVersion` (events after it), or, when undefined, with an ADDED event for every
   * matching object and then what happens next. A version already compacted away ends the stream
   * with an ERROR event carrying 410 Expired.
   */
  start(fromVersion: number | undefined): void {
    const { store, resource, filter } = this.options;
    let from = fromVersion;
    if (from === undefined) {
      from = Number(store.resourceVersion);
      for (const obj of store.list(resource)) if (filter(obj)) this.send("ADDED", obj);
      if (this.options.markInitialEventsEnd) this.bookmark({ "k8s.io/initial-events-end": "true" });
    }
    try {
      this.unsubscribe = store.watch(resource, from, (event) => this.onEvent(event));
    } catch (error) {
      if (!(error instanceof StatusError)) throw error;
      this.write("ERROR", error.toStatus());
      this.close();
      return;
    }
    const { bookmarkIntervalMs, timeoutMs } = this.options;
    if (bookmarkIntervalMs !== undefined) {
      this.timers.push(
        setInterval(() => this.bookmarkIfIdle(bookmarkIntervalMs), Math.max(10, bookmarkIntervalMs / 2)),
      );
    }
    if (timeoutMs !== undefined) this.timers.push(setTimeout(() => this.close(), timeoutMs));
    for (const timer of this.timers) timer.unref();
  }

  /** Ends the stream; safe to call more than once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    for (const timer of this.timers) clearTimeout(timer);
    if (!this.options.res.writableEnded) this.options.res.end();
    this.options.onClose();
  }

  private onEvent(event: StoreEvent): void {
    if (this.closed) return;
    const { filter } = this.options;
    const matchesNow = filter(event.object);
    if (event.type === "DELETED") {
      if (matchesNow) this.send("DELETED", event.object);
      return;
    }
    const matchedBefore = event.previous !== undefined && filter(event.previous);
    if (matchesNow) this.send(matchedBefore ? "MODIFIED" : "ADDED", event.object);
    else if (matchedBefore) this.send("DELETED", event.object);
  }

  private send(type: WatchEventType, obj: KubeObject): void {
    const { table } = this.options;
    if (!table) {
      this.write(type, obj);
      return;
    }
    const rendered = buildTable([obj], table.printer, {
      request: table.request,
      resourceVersion: obj.metadata.resourceVersion,
      omitColumns: this.columnsSent,
    });
    this.columnsSent = true;
    this.write(type, rendered);
  }

  /** A BOOKMARK carries only the version the client may resume from: everything up to now was sent. */
  private bookmarkIfIdle(intervalMs: number): void {
    if (this.closed || Date.now() - this.lastWrite < intervalMs) return;
    this.bookmark();
  }

  private bookmark(annotations?: Record<string, string>): void {
    const metadata = { resourceVersion: this.options.store.resourceVersion, ...(annotations ? { annotations } : {}) };
    const { type, table } = this.options;
    const object = table
      ? { kind: "Table", apiVersion: `meta.k8s.io/${table.request.version}`, metadata, columnDefinitions: [], rows: [] }
      : { kind: type.kind, apiVersion: groupVersion(type), metadata };
    this.write("BOOKMARK", object);
  }

  private write(type: WatchEventType, object: unknown): void {
    const { res } = this.options;
    if (res.writableEnded || res.destroyed) return;
    this.lastWrite = Date.now();
    res.write(`${JSON.stringify({ type, object })}\n`);
  }
}
