import type { AlertmanagerAlert } from "./alertmanager-payload.js";

/** Why an alert leads to no recovery. */
export type IgnoreReason =
  /** The alert is resolved (or has a status other than `firing`). */
  | "not-firing"
  /** Its `alertname` is not one of the configured alert names. */
  | "other-alertname"
  /** It has no `namespace` or `pod` label. */
  | "no-pod"
  /** The Pod belongs to no configured member. */
  | "unknown-pod"
  /** The member's cluster is paused. */
  | "paused";

/** A firing alert about a Pod: a recovery candidate once the Pod maps to a member. */
export interface AlertCandidate {
  kind: "candidate";
  /** The alert's `alertname`, one of the configured ones. */
  alertname: string;
  /** The Pod's namespace (`namespace` label). */
  namespace: string;
  /** The Pod's name (`pod` label). */
  pod: string;
  /** Alertmanager's fingerprint; empty when the payload has none. */
  fingerprint: string;
  /** When the alert started firing, if the payload says. */
  startsAt?: string;
}

/** What to do with one alert, judged from the alert alone. */
export type AlertClassification = AlertCandidate | { kind: "ignored"; reason: IgnoreReason };

/**
 * Decides whether an alert may start a recovery: it fires (its own status, else the notification's),
 * its `alertname` is one of `alertNames`, and it names a namespace and a Pod.
 */
export function classifyAlert(
  alert: AlertmanagerAlert,
  notificationStatus: string | undefined,
  alertNames: readonly string[],
): AlertClassification {
  if ((alert.status ?? notificationStatus) !== "firing") return { kind: "ignored", reason: "not-firing" };
  const alertname = label(alert, "alertname");
  if (alertname === undefined || !alertNames.includes(alertname)) return { kind: "ignored", reason: "other-alertname" };
  const namespace = label(alert, "namespace");
  const pod = label(alert, "pod");
  if (!namespace || !pod) return { kind: "ignored", reason: "no-pod" };
  const startsAt =
    typeof alert.startsAt === "string" && !Number.isNaN(Date.parse(alert.startsAt)) ? alert.startsAt : undefined;
  return {
    kind: "candidate",
    alertname,
    namespace,
    pod,
    fingerprint: alert.fingerprint ?? "",
    ...(startsAt ? { startsAt } : {}),
  };
}

/** An own label only: a label called `constructor` or `__proto__` must not read inherited values. */
function label(alert: AlertmanagerAlert, name: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(alert.labels, name) ? alert.labels[name] : undefined;
}
