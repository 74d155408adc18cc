import { z } from "zod";

/** Label and annotation sets are objects of strings in every Alertmanager version. */
const labelSet = z.record(z.string(), z.string({ error: "expected a string" }), {
  error: "expected an object of strings",
});

const optionalText = z.string({ error: "expected a string" }).optional();

/**
 * One alert of a notification. Only the fields the intake reads are checked; the others
 * (`annotations`, `startsAt`, `endsAt`, `generatorURL`) and unknown ones pass unchecked.
 */
export const alertSchema = z.looseObject(
  {
    /** `firing` or `resolved`; when absent the notification's `status` counts. */
    status: optionalText,
    /** The alert's labels: `alertname`, `namespace` and `pod` decide whether it becomes a recovery. */
    labels: labelSet,
    /** Alertmanager's identifier of the alert, kept on the recovery's trigger. */
    fingerprint: optionalText,
  },
  { error: "expected an alert object" },
);

/**
 * The Alertmanager webhook body (payload version "4"), parsed leniently: unknown fields are ignored,
 * so newer Alertmanager versions keep working. Only `alerts` is required.
 */
export const alertmanagerPayloadSchema = z.looseObject(
  {
    /** Payload format version, `"4"` today; not checked. */
    version: z.unknown().optional(),
    /** The receiver the notification was sent for, kept on the recovery's trigger. */
    receiver: optionalText,
    /** `firing` when at least one alert of the group fires, else `resolved`. */
    status: optionalText,
    /** The alerts of the group. */
    alerts: z.array(alertSchema, { error: "expected a list of alerts" }),
    /** Identifies the alert group in Alertmanager; logged. */
    groupKey: optionalText,
    /** Alerts Alertmanager left out because of `max_alerts`; logged when not zero. */
    truncatedAlerts: z.number({ error: "expected a number" }).optional(),
  },
  { error: "expected a JSON object" },
);

/** The parts of a webhook notification the intake uses. */
export type AlertmanagerPayload = z.infer<typeof alertmanagerPayloadSchema>;
/** One alert of a notification. */
export type AlertmanagerAlert = z.infer<typeof alertSchema>;
