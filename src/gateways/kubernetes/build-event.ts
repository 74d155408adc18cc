import type { CoreV1Event } from "@kubernetes/client-node";
import type { EventTarget, RecordedEvent } from "./kubernetes-gateway.js";
import { eventName } from "./event-name.js";

/** Everything a core/v1 Event needs besides what was observed. */
export interface EventContext {
  /** `source.component` and `reportingComponent`: who reports, shown by `kubectl describe` as "From". */
  component: string;
  /** When it happened, ms since the epoch. */
  nowMs: number;
  /** Nanoseconds since the epoch, for the Event's name. */
  nanos: bigint;
}

/** A core/v1 Event about `target`, seen once, as client-go's event recorder writes it. */
export function buildEvent(target: EventTarget, event: RecordedEvent, context: EventContext): CoreV1Event {
  const at = new Date(context.nowMs);
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: eventName(target.name, context.nanos), namespace: target.namespace },
    involvedObject: {
      kind: target.kind,
      apiVersion: target.apiVersion,
      namespace: target.namespace,
      name: target.name,
      ...(target.uid ? { uid: target.uid } : {}),
    },
    type: event.type,
    reason: event.reason,
    message: event.message,
    source: { component: context.component },
    reportingComponent: context.component,
    firstTimestamp: at,
    lastTimestamp: at,
    count: 1,
  };
}
