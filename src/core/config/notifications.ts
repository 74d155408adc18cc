import type { ConfigProblem } from "../errors.js";
import { REDACTED } from "../logged-error.js";
import { formatKeyPath, isHttpURL, type ParsedClusterEntry, type ParsedNotifications } from "./schema.js";
import { readFileOrProblem, type FileAccess } from "./resolve.js";
import { NOTIFICATION_EVENTS, type NotificationSettings, type NotificationTarget } from "./types.js";

/** The placeholders of a notification target's `linkTemplate`. */
export const LINK_PLACEHOLDERS = ["id", "cluster", "namespace", "member", "event"] as const;

/** Values put into a link template. */
export type LinkValues = Record<(typeof LINK_PLACEHOLDERS)[number], string>;

/** The link template with every placeholder replaced by its value, URL-encoded. */
export function renderLink(template: string, values: LinkValues): string {
  return template.replace(/\{([^{}]*)\}/g, (_whole, name: string) =>
    encodeURIComponent(values[name as keyof LinkValues] ?? ""),
  );
}

/**
 * Checks the `notifications` section against the clusters, reads every target's URL file, and works out each
 * cluster's targets. Problems name the key: a missing, unreadable or blank URL file, one that holds no http(s) URL
 * (never quoted: it is a secret), a duplicate name, a target name nothing defines, a bad link template.
 */
export function resolveNotifications(
  parsed: ParsedNotifications,
  clusters: readonly ParsedClusterEntry[],
  files: FileAccess,
): { settings: NotificationSettings; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const at = (...path: PropertyKey[]) => formatKeyPath(["notifications", ...path]);
  const targets: NotificationTarget[] = [];
  const names = new Map<string, number>();

  parsed.targets.forEach((entry, position) => {
    const first = names.get(entry.name);
    if (first !== undefined) {
      problems.push({
        keyPath: at("targets", position, "name"),
        message: `duplicate notification target "${entry.name}" (also notifications.targets[${first}])`,
      });
      return;
    }
    names.set(entry.name, position);
    const before = problems.length;
    const url = readWebhookURL(entry.urlFile, at("targets", position, "urlFile"), files, problems);
    if (entry.linkTemplate !== undefined) {
      const problem = linkTemplateProblem(entry.linkTemplate);
      if (problem) problems.push({ keyPath: at("targets", position, "linkTemplate"), message: problem });
    }
    if (url === undefined || problems.length > before) return;
    targets.push(
      createTarget({
        name: entry.name,
        format: entry.format,
        url,
        events: [...new Set(entry.events ?? NOTIFICATION_EVENTS)],
        ...(entry.linkTemplate !== undefined ? { linkTemplate: entry.linkTemplate } : {}),
      }),
    );
  });

  const unknown = (name: string) =>
    `no notification target "${name}"; ` +
    (names.size === 0 ? "notifications.targets defines none" : `defined: ${[...names.keys()].join(", ")}`);
  const defaults = parsed.defaultTargets ?? [...names.keys()];
  parsed.defaultTargets?.forEach((name, position) => {
    if (!names.has(name)) problems.push({ keyPath: at("defaultTargets", position), message: unknown(name) });
  });
  const clusterTargets: Record<string, readonly string[]> = {};
  clusters.forEach((cluster, position) => {
    cluster.notifications?.forEach((name, index) => {
      if (!names.has(name))
        problems.push({
          keyPath: formatKeyPath(["clusters", position, "notifications", index]),
          message: unknown(name),
        });
    });
    clusterTargets[`${cluster.namespace}/${cluster.name}`] = [...new Set(cluster.notifications ?? defaults)];
  });

  return {
    problems,
    settings: {
      targets,
      clusterTargets,
      timeoutSeconds: parsed.timeoutSeconds,
      retry: { ...parsed.retry },
      queueSize: parsed.queueSize,
      shutdownGraceSeconds: parsed.shutdownGraceSeconds,
    },
  };
}

/** The webhook URL from its file, or undefined with a problem; the file's text is never quoted. */
function readWebhookURL(
  path: string,
  keyPath: string,
  files: FileAccess,
  problems: ConfigProblem[],
): string | undefined {
  const text = readFileOrProblem(path, keyPath, files, problems);
  if (text === undefined) return undefined;
  // A Secret's file usually ends with a newline that is not part of the URL.
  const url = text.trim();
  const problem =
    url === ""
      ? `${JSON.stringify(path)} is empty; expected the webhook URL`
      : /\s/.test(url)
        ? `${JSON.stringify(path)} holds white space inside; expected one http:// or https:// URL`
        : !isHttpURL(url)
          ? `${JSON.stringify(path)} does not hold an http:// or https:// URL (its content is not shown: it is a secret)`
          : undefined;
  if (problem) {
    problems.push({ keyPath, message: problem });
    return undefined;
  }
  return url;
}

/** What is wrong with a link template, or undefined: an unknown placeholder, or not an http(s) URL once rendered. */
function linkTemplateProblem(template: string): string | undefined {
  const allowed: readonly string[] = LINK_PLACEHOLDERS;
  for (const match of template.matchAll(/\{([^{}]*)\}/g)) {
    if (!allowed.includes(match[1] ?? ""))
      return `unknown placeholder {${match[1]}}; use ${LINK_PLACEHOLDERS.map((p) => `{${p}}`).join(", ")}`;
  }
  const sample = renderLink(template, { id: "a-1-x-000000", cluster: "a", namespace: "b", member: "1", event: "e" });
  if (/[{}]/.test(template.replace(/\{([^{}]*)\}/g, "")) || !isHttpURL(sample))
    return `expected an http:// or https:// URL template, got ${JSON.stringify(template)}`;
  return undefined;
}

/** A target whose URL stays out of logs: non-enumerable, and `[redacted]` in `toJSON`. */
function createTarget(fields: Omit<NotificationTarget, "toJSON">): NotificationTarget {
  const { url, ...visible } = fields;
  const target = { ...visible } as NotificationTarget;
  Object.defineProperty(target, "url", { value: url, enumerable: false });
  Object.defineProperty(target, "toJSON", {
    value: function toJSON(this: NotificationTarget) {
      return { ...this, url: REDACTED };
    },
    enumerable: false,
  });
  return target;
}
