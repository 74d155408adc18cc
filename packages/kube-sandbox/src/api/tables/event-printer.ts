import type { KubeObject } from "../object-store.js";
import { ageOf } from "./format-age.js";
import { column, field, NAME_COLUMN, type TablePrinter } from "./table-printer.js";

/** `kubectl get events`: Last Seen, Type, Reason, Object, Message (+ details with `-o wide`). */
export const eventPrinter: TablePrinter = {
  columns: [
    column("Last Seen", "Time since the event was last seen."),
    column("Type", "Type of this event (Normal, Warning)."),
    column("Reason", "Short, machine understandable reason for the event."),
    column("Object", "The object this event is about."),
    column("Subobject", "The part of the object the event is about.", { priority: 1 }),
    column("Source", "The component reporting this event.", { priority: 1 }),
    column("Message", "A human-readable description of the event."),
    column("First Seen", "Time since the event was first seen.", { priority: 1 }),
    column("Count", "The number of times this event has occurred.", { priority: 1, type: "integer" }),
    { ...NAME_COLUMN, priority: 1 },
  ],
  cells(event, now) {
    const first = ageOf(firstSeen(event), now);
    const last = ageOf(lastSeen(event), now);
    const count = field<number>(event, "series", "count") ?? field<number>(event, "count") ?? 1;
    const kind = field<string>(event, "involvedObject", "kind") ?? "";
    const name = field<string>(event, "involvedObject", "name") ?? "";
    const source = field<string>(event, "source", "component") ?? field<string>(event, "reportingComponent") ?? "";
    const host = field<string>(event, "source", "host");
    return [
      count > 1 ? `${last} (x${count} over ${first})` : last,
      field<string>(event, "type") ?? "",
      field<string>(event, "reason") ?? "",
      `${String(kind).toLowerCase()}/${name}`,
      field<string>(event, "involvedObject", "fieldPath") ?? "",
      host ? `${source}, ${host}` : source,
      field<string>(event, "message") ?? "",
      first,
      count,
      event.metadata.name,
    ];
  },
};

function firstSeen(event: KubeObject): string | undefined {
  return (
    field<string>(event, "firstTimestamp") || field<string>(event, "eventTime") || event.metadata.creationTimestamp
  );
}

function lastSeen(event: KubeObject): string | undefined {
  return (
    field<string>(event, "series", "lastObservedTime") ||
    field<string>(event, "lastTimestamp") ||
    field<string>(event, "eventTime") ||
    firstSeen(event)
  );
}
