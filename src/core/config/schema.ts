import { z } from "zod";
import { templateProblem } from "./naming.js";
import type { ConfigProblem } from "../errors.js";
import { NOTIFICATION_EVENTS } from "./types.js";

/** Kubernetes DNS-1123 label: what cluster names and namespaces must be. */
export const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

const LABEL_MESSAGE =
  "expected a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit, at most " +
  "63 characters)";
const MEMBERS_MESSAGE = "expected a number from 1 to 9";

const dnsLabel = z.string({ error: LABEL_MESSAGE }).regex(DNS_1123_LABEL, { error: LABEL_MESSAGE });

const nonEmpty = (what: string) => z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });

const template = z.string({ error: "expected a template string" }).superRefine((value, context) => {
  const problem = value === "" ? "expected a non-empty template" : templateProblem(value);
  if (problem) context.addIssue({ code: "custom", message: problem });
});

const httpURL = z.string({ error: "expected an http:// or https:// URL" }).superRefine((value, context) => {
  if (!isHttpURL(value))
    context.addIssue({ code: "custom", message: `expected an http:// or https:// URL, got ${JSON.stringify(value)}` });
});

const positiveNumber = (what: string) =>
  z.number({ error: `expected ${what}` }).positive({ error: `expected ${what}` });

const positiveInteger = (what: string, max: number) =>
  z
    .number({ error: `expected ${what}` })
    .int({ error: `expected ${what}` })
    .min(1, { error: `expected ${what}` })
    .max(max, { error: `expected ${what}` });

/** Templates left out take the layout's defaults (`DEFAULT_NAMING`, or `STATEFULSET_NAMING` with `statefulSet`). */
const namingSchema = z
  .strictObject({
    /** The member's Deployment; default `{name}-{index}`. Not with `statefulSet`. */
    deployment: template.optional(),
    /** The member's Service; default `{name}{index}`. Not with `statefulSet`. */
    service: template.optional(),
    /**
     * Client URL of the member; default `http://{name}{index}.{namespace}.svc:2379`, with `statefulSet`
     * `http://{pod}.{serviceName}.{namespace}.svc:2379`.
     */
    clientURL: template.optional(),
    /**
     * Peer URL of the member; default `http://{name}{index}:2380`, with `statefulSet`
     * `http://{pod}.{serviceName}.{namespace}.svc:2380`.
     */
    peerURL: template.optional(),
    /** etcd member name; default `{name}{index}`, with `statefulSet` `{pod}`. */
    memberName: template.optional(),
  })
  .prefault({});

/**
 * When a recovery empties the PersistentVolumeClaim of a member that keeps its data on one: `when-stale` only when
 * the log shows the data dir holds a write-ahead log the cluster no longer knows; `always` on every recovery.
 */
const claimDeletion = z.enum(["when-stale", "always"], { error: "expected when-stale or always" });

/** A cluster whose members are the Pods of one StatefulSet: member N is the Pod of ordinal N-1. */
const statefulSetSchema = z.strictObject({
  /** The StatefulSet; default the cluster name. */
  name: dnsLabel.optional(),
  /** Its headless Service (`spec.serviceName`); default `NAME-headless` (NAME the StatefulSet's). */
  serviceName: dnsLabel.optional(),
  /** The volumeClaimTemplate holding etcd's data dir; default `data` (claims `data-NAME-ORDINAL`). */
  volumeClaimTemplate: dnsLabel.default("data"),
  /** The cluster's `deleteClaim`, spelt here as well; give it in one place only. */
  deleteClaim: claimDeletion.optional(),
  /**
   * The image's start scripts add an emptied member back to the cluster themselves, as a voting member (the bitnami
   * etcd image does): the recovery then removes the stale member and replaces the Pod, and adds nothing; default
   * `false`.
   */
  joinsByItself: z.boolean({ error: "expected true or false" }).default(false),
});

const memberURLsSchema = z
  .record(
    z.string(),
    z.strictObject({
      /** Client URL of this member; default from `naming.clientURL`. */
      clientURL: httpURL.optional(),
      /** Peer URL of this member; default from `naming.peerURL`. */
      peerURL: httpURL.optional(),
    }),
  )
  .default({});

const tlsSchema = z
  .strictObject({
    /** CA certificate file (PEM) that verifies the etcd servers; required with `tls`. */
    caFile: nonEmpty("a file path"),
    /** Client certificate file (PEM); optional, together with `keyFile`. */
    certFile: nonEmpty("a file path").optional(),
    /** Client private key file (PEM); optional, together with `certFile`. */
    keyFile: nonEmpty("a file path").optional(),
  })
  .superRefine((tls, context) => {
    if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
      const missing = tls.certFile === undefined ? "certFile" : "keyFile";
      context.addIssue({
        code: "custom",
        path: [missing],
        message: "certFile and keyFile go together; give both or neither",
      });
    }
  });

const authSchema = z.strictObject({
  /** etcd user name; required with `auth`. */
  username: nonEmpty("a user name"),
  /** File holding the password (one trailing newline is ignored); required with `auth`. */
  passwordFile: nonEmpty("a file path"),
});

const snapshotsSchema = z
  .strictObject({
    /** Take a snapshot before the first membership change; default `true`. */
    enabled: z.boolean({ error: "expected true or false" }).default(true),
    /** Directory for snapshot files; default `/var/lib/etcd-responder/snapshots`. */
    dir: nonEmpty("a directory path").default("/var/lib/etcd-responder/snapshots"),
    /** Snapshots kept per cluster; default `3`. */
    keep: positiveInteger("a whole number from 1 to 100", 100).default(3),
  })
  .prefault({});

const MODE_MESSAGE = "expected act, observe or paused";

/**
 * A cluster's recovery mode: `act` recovers, `observe` only diagnoses and records the plan, `paused` queues nothing.
 */
const clusterMode = z.enum(["act", "observe", "paused"], { error: MODE_MESSAGE });

/** One cluster entry of the file. */
const clusterFileSchema = z.strictObject({
  /** Cluster name (DNS-1123 label); required. */
  name: dnsLabel,
  /** Namespace of the members' workloads and Services; default `default`. */
  namespace: dnsLabel.default("default"),
  /** Number of members, indexes 1..members; required. */
  members: z
    .number({ error: MEMBERS_MESSAGE })
    .int({ error: MEMBERS_MESSAGE })
    .min(1, { error: MEMBERS_MESSAGE })
    .max(9, { error: MEMBERS_MESSAGE }),
  /**
   * Naming templates with `{name}`, `{index}` and `{namespace}` (with `statefulSet` also `{ordinal}`, `{pod}` and
   * `{serviceName}`); defaults follow the seed's Deployment template, or the StatefulSet's Pod DNS names.
   */
  naming: namingSchema,
  /** The StatefulSet that runs the members; default none: one Deployment per member (the seed's layout). */
  statefulSet: statefulSetSchema.optional(),
  /**
   * When a recovery empties the PersistentVolumeClaim of a member on one (a StatefulSet member's, or the claim a
   * member's Deployment mounts): `when-stale` only when the log shows the data dir holds a write-ahead log the
   * cluster no longer knows, `always` on every recovery of the member; default `when-stale` (also
   * `statefulSet.deleteClaim`).
   */
  deleteClaim: claimDeletion.optional(),
  /** Explicit per-member URLs keyed by index (`"1"`), overriding the templates; default none. */
  memberURLs: memberURLsSchema,
  /** Pinned etcd cluster ID, hex or decimal; default none (not checked). */
  clusterID: z
    // A bare YAML number above 2^53 loses digits, so the ID must be quoted.
    .string({
      error:
        'expected the cluster ID as a quoted string, e.g. "a1b2c3d4e5f60718" (hex) or "14841639068965178418" (decimal)',
    })
    .optional(),
  /** Client TLS to etcd; default none (plain http). */
  tls: tlsSchema.optional(),
  /** etcd password authentication; default none. */
  auth: authSchema.optional(),
  /** Add as learner then promote, falling back to a voting add when learners are unsupported; default `true`. */
  useLearners: z.boolean({ error: "expected true or false" }).default(true),
  /** Snapshots before membership changes; default enabled, 3 kept. */
  snapshots: snapshotsSchema,
  /** This cluster's mode until someone sets another; default `service.defaultMode`. */
  mode: clusterMode.optional(),
  /**
   * Names of the `notifications.targets` told about this cluster's recoveries; `[]` for none; default
   * `notifications.defaultTargets`.
   */
  notifications: z.array(dnsLabel, { error: "expected a list of notification target names" }).optional(),
});

/** The global `recovery` section. */
const recoveryFileSchema = z
  .strictObject({
    /** Seconds a member must have been unreachable to count as dead; default `5`. */
    deadAfterSeconds: positiveNumber("a number of seconds greater than 0").default(5),
    /** Deadline of each wait, seconds; default `120`. */
    stepTimeoutSeconds: positiveNumber("a number of seconds greater than 0").default(120),
    /** Duration of the per-cluster Lease, whole seconds; default `15`. */
    leaseDurationSeconds: positiveInteger("a whole number of seconds from 1 to 3600", 3600).default(15),
  })
  .prefault({});

const historySchema = z
  .strictObject({
    /** Finished recoveries kept per cluster, for succeeded and failed ones each; default `1000`. */
    maxRecoveries: positiveInteger("a whole number from 1 to 1000000", 1_000_000).default(1000),
    /** Hours a finished recovery is kept; default `168` (a week). */
    maxAgeHours: positiveNumber("a number of hours greater than 0").default(168),
  })
  .prefault({});

const circuitBreakerSchema = z
  .strictObject({
    /** Failed recoveries of one cluster within the window that put the cluster in `observe`; default `3`. */
    failures: positiveInteger("a whole number from 1 to 1000", 1000).default(3),
    /** The window, minutes; default `60`. */
    windowMinutes: positiveNumber("a number of minutes greater than 0").default(60),
  })
  .prefault({});

const retrySchema = z
  .strictObject({
    /** Attempts in all for a recovery that fails transiently; default `5`. */
    attempts: positiveInteger("a whole number from 1 to 100", 100).default(5),
    /** First back-off, seconds; it doubles with each attempt; default `2`. */
    backoffSeconds: positiveNumber("a number of seconds greater than 0").default(2),
  })
  .prefault({});

const sweepSchema = z
  .strictObject({
    /** Look for crash-looping members periodically, not only when alerted; default `false`. */
    enabled: z.boolean({ error: "expected true or false" }).default(false),
    /** Seconds between sweeps; default `60`. */
    intervalSeconds: positiveNumber("a number of seconds greater than 0").default(60),
  })
  .prefault({});

/** The global `service` section: how the running service queues and runs recoveries. */
export const serviceFileSchema = z
  .strictObject({
    /** Alert names that trigger recoveries; default `[KubePodCrashLooping]`. */
    alertNames: z
      .array(nonEmpty("an alert name"), { error: "expected a list of alert names" })
      .min(1, { error: "expected at least one alert name" })
      .default(["KubePodCrashLooping"]),
    /** Mode of clusters that set no `mode` of their own; default `act`. */
    defaultMode: clusterMode.default("act"),
    /** Finished recoveries kept; default 1000, for 168 hours. */
    history: historySchema,
    /** Failures that put a cluster in `observe`; default 3 within 60 minutes. */
    circuitBreaker: circuitBreakerSchema,
    /** Retries of transient failures; default 5 attempts, back-off from 2 s. */
    retry: retrySchema,
    /** Periodic crash-loop sweep; default disabled, every 60 s. */
    sweep: sweepSchema,
  })
  .prefault({});

const EVENTS_MESSAGE = `expected one of ${NOTIFICATION_EVENTS.join(", ")}`;

/** One webhook told about recoveries. */
const notificationTargetSchema = z.strictObject({
  /** Name of the target (DNS-1123 label): what logs and metrics call it, and what clusters list; required. */
  name: dnsLabel,
  /** `slack`: Slack-compatible incoming-webhook JSON (`text` and `blocks`); `json`: the responder's own object. */
  format: z.enum(["slack", "json"], { error: "expected slack or json" }),
  /**
   * File holding the webhook URL (a mounted Secret); read once at start-up, white space around it ignored. The URL
   * is a secret: it is never logged nor sent anywhere but to itself. Required.
   */
  urlFile: nonEmpty("a file path"),
  /** The events sent to this target; default every event. */
  events: z
    .array(z.enum(NOTIFICATION_EVENTS, { error: EVENTS_MESSAGE }), { error: "expected a list of events" })
    .min(1, { error: "expected at least one event; remove the target to send none" })
    .optional(),
  /**
   * Link to the recovery's record in messages, with `{id}`, `{cluster}`, `{namespace}`, `{member}` and `{event}`
   * (URL-encoded), e.g. `https://responder.example/v1/recoveries/{id}`; default none.
   */
  linkTemplate: z.string({ error: "expected a URL template" }).optional(),
});

const notificationRetrySchema = z
  .strictObject({
    /** Attempts in all per notification and target, the first included; default `5`. */
    attempts: positiveInteger("a whole number from 1 to 20", 20).default(5),
    /** Pause after the first failed attempt, seconds; doubles per attempt, with jitter; default `1`. */
    backoffSeconds: positiveNumber("a number of seconds greater than 0").default(1),
    /** Longest pause between attempts, seconds; default `30`. */
    maxBackoffSeconds: positiveNumber("a number of seconds greater than 0").default(30),
  })
  .prefault({});

/** The global `notifications` section: the webhooks told about recoveries, and how they are sent. */
const notificationsFileSchema = z
  .strictObject({
    /** The webhooks; default none (no notifications). */
    targets: z.array(notificationTargetSchema, { error: "expected a list of notification targets" }).default([]),
    /** Targets of the clusters that set no `notifications` of their own; default every target. */
    defaultTargets: z.array(dnsLabel, { error: "expected a list of notification target names" }).optional(),
    /** Deadline of one attempt to send (connect, send, answer), seconds; default `5`. */
    timeoutSeconds: positiveNumber("a number of seconds greater than 0").default(5),
    /** Retries of a failed send; default 5 attempts, back-off from 1 s up to 30 s. */
    retry: notificationRetrySchema,
    /** Notifications waiting per target; when full, the oldest is dropped (and counted); default `100`. */
    queueSize: positiveInteger("a whole number from 1 to 10000", 10_000).default(100),
    /** How long a stopping worker keeps sending what is pending, seconds; default `5`. */
    shutdownGraceSeconds: z
      .number({ error: "expected a number of seconds from 0 to 60" })
      .min(0, { error: "expected a number of seconds from 0 to 60" })
      .max(60, { error: "expected a number of seconds from 0 to 60" })
      .default(5),
  })
  .prefault({});

/** The whole configuration file. */
export const configFileSchema = z.strictObject({
  /** The clusters the responder may recover; at least one. */
  clusters: z
    .array(clusterFileSchema, { error: "expected a list of clusters" })
    .min(1, { error: "expected at least one cluster" }),
  /** Global recovery settings; every field has a default. */
  recovery: recoveryFileSchema,
  /** How the service queues and runs recoveries; every field has a default. */
  service: serviceFileSchema,
  /** Webhooks told about recoveries; default none. */
  notifications: notificationsFileSchema,
});

/** The file as written (defaults not yet applied). */
export type ConfigFile = z.input<typeof configFileSchema>;
/** One cluster entry after validation and defaults. */
export type ParsedClusterEntry = z.output<typeof clusterFileSchema>;
/** The `notifications` section after validation and defaults. */
export type ParsedNotifications = z.output<typeof notificationsFileSchema>;

/** True for an absolute http:// or https:// URL with a host. */
export function isHttpURL(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}

/** Turns zod issues into problems a person can act on, one per bad key. */
export function problemsFromIssues(issues: readonly z.core.$ZodIssue[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        problems.push({ keyPath: formatKeyPath([...issue.path, key]), message: "unknown key" });
      }
      continue;
    }
    problems.push({ keyPath: formatKeyPath(issue.path), message: describeIssue(issue) });
  }
  return problems;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  if (issue.code === "invalid_type" && input === undefined) return `missing; ${issue.message}`;
  if (issue.code === "custom" || !isShown(input)) return issue.message;
  return `${issue.message}, got ${JSON.stringify(input)}`;
}

function isShown(input: unknown): boolean {
  return input === null || ["string", "number", "boolean"].includes(typeof input);
}

/** Writes a key path the way a reader of the YAML file thinks of it: `clusters[0].memberURLs["1"].clientURL`. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const key of path) {
    if (typeof key === "number") text += `[${key}]`;
    else if (typeof key === "string" && /^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) text += text ? `.${key}` : key;
    else text += `[${JSON.stringify(String(key))}]`;
  }
  return text;
}
