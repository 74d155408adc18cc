import { messageOf, type ConfigProblem } from "../errors.js";
import { type ParsedClusterEntry, DNS_1123_LABEL, isHttpURL, formatKeyPath, type serviceFileSchema } from "./schema.js";
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import {
  DEFAULT_NAMING,
  type NamingTemplates,
  renderMember,
  STATEFULSET_NAMING,
  statefulSetPlaceholderIn,
} from "./naming.js";
import type {
  ClusterAuth,
  ClusterTls,
  MemberURLOverride,
  ResolvedCluster,
  ResolvedMember,
  ServiceSettings,
  StatefulSetSettings,
} from "./types.js";
import type { z } from "zod";

const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Checks what the schema alone cannot (member indexes, rendered names and URLs, uniqueness),
 * reads the TLS and password files, and builds the resolved cluster.
 */
export function resolveClusterEntry(
  entry: ParsedClusterEntry,
  position: number,
  files: FileAccess,
): { cluster?: ResolvedCluster; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const at = (...path: PropertyKey[]) => formatKeyPath(["clusters", position, ...path]);

  const memberURLs: Record<number, MemberURLOverride> = {};
  for (const [key, urls] of Object.entries(entry.memberURLs)) {
    const index = /^[1-9][0-9]*$/.test(key) ? Number(key) : NaN;
    if (!(index >= 1 && index <= entry.members)) {
      problems.push({ keyPath: at("memberURLs", key), message: `expected a member index from 1 to ${entry.members}` });
      continue;
    }
    memberURLs[index] = { ...urls };
  }

  const statefulSet = entry.statefulSet && resolveStatefulSet(entry.name, entry.statefulSet);
  if (entry.deleteClaim !== undefined && entry.statefulSet?.deleteClaim !== undefined) {
    problems.push({
      keyPath: at("statefulSet", "deleteClaim"),
      message: "deleteClaim is given for the cluster already; give it in one place only",
    });
  }
  const deleteClaim = entry.deleteClaim ?? entry.statefulSet?.deleteClaim ?? "when-stale";
  const naming = resolveNaming(entry.naming, statefulSet !== undefined, at, problems);
  if (!naming) return { problems };
  const source = {
    name: entry.name,
    namespace: entry.namespace,
    naming,
    memberURLs,
    ...(statefulSet ? { statefulSet } : {}),
  };
  const members: ResolvedMember[] = [];
  for (let index = 1; index <= entry.members; index++) members.push(renderMember(source, index));

  problems.push(...checkRenderedMembers(members, memberURLs, at, Boolean(entry.tls)));

  let clusterID: string | undefined;
  if (entry.clusterID !== undefined) {
    clusterID = normalizeClusterId(entry.clusterID);
    if (clusterID === undefined) {
      problems.push({
        keyPath: at("clusterID"),
        message:
          `expected a non-zero 64-bit cluster ID in hex (e.g. "a1b2c3d4e5f60718") or decimal, got ` +
          `${JSON.stringify(entry.clusterID)}`,
      });
    }
  }

  let tls: ClusterTls | undefined;
  if (entry.tls) {
    const ca = readPem(entry.tls.caFile, "CERTIFICATE", at("tls", "caFile"), files, problems);
    const cert =
      entry.tls.certFile === undefined
        ? undefined
        : readPem(entry.tls.certFile, "CERTIFICATE", at("tls", "certFile"), files, problems);
    const key =
      entry.tls.keyFile === undefined
        ? undefined
        : readPem(entry.tls.keyFile, "PRIVATE KEY", at("tls", "keyFile"), files, problems);
    if (ca !== undefined) tls = { ca, ...(cert !== undefined ? { cert } : {}), ...(key !== undefined ? { key } : {}) };
  }

  let auth: ClusterAuth | undefined;
  if (entry.auth) {
    const text = readFileOrProblem(entry.auth.passwordFile, at("auth", "passwordFile"), files, problems);
    if (text !== undefined) {
      // Secret files usually end with a newline that is not part of the password.
      const password = text.replace(/\r?\n$/, "");
      if (password === "")
        problems.push({ keyPath: at("auth", "passwordFile"), message: "the password file is empty" });
      else auth = { username: entry.auth.username, password };
    }
  }

  if (problems.length > 0) return { problems };
  return {
    problems,
    cluster: createResolvedCluster({
      name: entry.name,
      namespace: entry.namespace,
      members,
      ...(clusterID !== undefined ? { clusterID } : {}),
      ...(tls ? { tls } : {}),
      ...(auth ? { auth } : {}),
      useLearners: entry.useLearners,
      deleteClaim,
      snapshots: { ...entry.snapshots },
      naming,
      ...(statefulSet ? { statefulSet } : {}),
      memberURLs,
      ...(entry.mode !== undefined ? { mode: entry.mode } : {}),
    }),
  };
}

function checkRenderedMembers(
  members: ResolvedMember[],
  memberURLs: Record<number, MemberURLOverride>,
  at: (...path: PropertyKey[]) => string,
  tls: boolean,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const reported = new Set<string>();
  const report = (keyPath: string, message: string) => {
    if (reported.has(keyPath)) return;
    reported.add(keyPath);
    problems.push({ keyPath, message });
  };
  // A URL problem belongs to the memberURLs entry when the value came from there, else to the template.
  const urlPath = (member: ResolvedMember, field: "clientURL" | "peerURL") =>
    memberURLs[member.index]?.[field] !== undefined
      ? at("memberURLs", String(member.index), field)
      : at("naming", field);

  for (const member of members) {
    const { workload } = member;
    if (workload.kind === "StatefulSet" && workload.pod.length > 63) {
      report(
        at("statefulSet", "name"),
        `gives member ${member.index} the Pod name ${JSON.stringify(workload.pod)}, longer than 63 characters`,
      );
    }
    if (workload.kind === "Deployment" && (workload.name.length > 253 || !DNS_1123_SUBDOMAIN.test(workload.name))) {
      report(
        at("naming", "deployment"),
        `renders ${JSON.stringify(workload.name)} for member ${member.index}, which is not a valid Kubernetes ` +
          `object name`,
      );
    }
    if (workload.kind === "Deployment" && !DNS_1123_LABEL.test(workload.service)) {
      report(
        at("naming", "service"),
        `renders ${JSON.stringify(workload.service)} for member ${member.index}, which is not a valid Service name ` +
          `(DNS-1123 label)`,
      );
    }
    for (const field of ["clientURL", "peerURL"] as const) {
      if (!isHttpURL(member[field])) {
        report(
          urlPath(member, field),
          `renders ${JSON.stringify(member[field])} for member ${member.index}, which is not an http:// or https:// ` +
            `URL`,
        );
      }
    }
    if (tls && member.clientURL.startsWith("http://")) {
      report(
        urlPath(member, "clientURL"),
        `member ${member.index} has the plain http client URL ${JSON.stringify(member.clientURL)} although tls is ` +
          `configured; use https://`,
      );
    }
  }

  const schemes = new Set(members.map((m) => m.clientURL.split(":")[0]));
  if (schemes.size > 1) {
    report(at("naming", "clientURL"), "client URLs mix http:// and https://; every member must use the same scheme");
  }

  for (const field of ["deployment", "service", "memberName", "clientURL", "peerURL"] as const) {
    const seen = new Map<string, number>();
    for (const member of members) {
      const value = renderedField(member, field);
      if (value === undefined) continue;
      const first = seen.get(value);
      if (first !== undefined) {
        const keyPath = field === "clientURL" || field === "peerURL" ? urlPath(member, field) : at("naming", field);
        const hint = keyPath.includes(".naming.") ? "; include {index}" : "";
        report(keyPath, `gives the same value ${JSON.stringify(value)} to members ${first} and ${member.index}${hint}`);
      } else seen.set(value, member.index);
    }
  }
  return problems;
}

/** The value a naming field gave a member; undefined for the Deployment fields of a StatefulSet member. */
function renderedField(
  member: ResolvedMember,
  field: "deployment" | "service" | "memberName" | "clientURL" | "peerURL",
): string | undefined {
  if (field === "memberName") return member.name;
  if (field === "clientURL" || field === "peerURL") return member[field];
  if (member.workload.kind !== "Deployment") return undefined;
  return field === "deployment" ? member.workload.name : member.workload.service;
}

/** The StatefulSet settings with their defaults, which depend on the names given. */
function resolveStatefulSet(
  clusterName: string,
  entry: NonNullable<ParsedClusterEntry["statefulSet"]>,
): StatefulSetSettings {
  const name = entry.name ?? clusterName;
  return {
    name,
    serviceName: entry.serviceName ?? `${name}-headless`,
    volumeClaimTemplate: entry.volumeClaimTemplate,
    joinsByItself: entry.joinsByItself,
  };
}

/**
 * The templates in force: the file's over the layout's defaults. A StatefulSet cluster has no per-member
 * Deployment or Service to name, and a Deployment cluster no Pod ordinal: such templates are problems.
 */
function resolveNaming(
  given: ParsedClusterEntry["naming"],
  statefulSet: boolean,
  at: (...path: PropertyKey[]) => string,
  problems: ConfigProblem[],
): NamingTemplates | undefined {
  const before = problems.length;
  if (statefulSet) {
    for (const field of ["deployment", "service"] as const) {
      if (given[field] !== undefined) {
        problems.push({
          keyPath: at("naming", field),
          message: "a StatefulSet runs this cluster's members; there is no Deployment or Service per member to name",
        });
      }
    }
    const { deployment: _deployment, service: _service, ...urls } = given;
    if (problems.length > before) return undefined;
    return { ...STATEFULSET_NAMING, ...dropUndefined(urls) };
  }
  for (const [field, template] of Object.entries(given)) {
    const placeholder = template === undefined ? undefined : statefulSetPlaceholderIn(template);
    if (placeholder) {
      problems.push({
        keyPath: at("naming", field),
        message: `${placeholder} is for StatefulSet clusters only; this cluster runs a Deployment per member`,
      });
    }
  }
  if (problems.length > before) return undefined;
  return { ...DEFAULT_NAMING, ...dropUndefined(given) };
}

function dropUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}

function readPem(
  path: string,
  label: string,
  keyPath: string,
  files: FileAccess,
  problems: ConfigProblem[],
): string | undefined {
  const text = readFileOrProblem(path, keyPath, files, problems);
  if (text === undefined) return undefined;
  if (!new RegExp(`-----BEGIN [A-Z ]*${label}-----`).test(text)) {
    problems.push({ keyPath, message: `${JSON.stringify(path)} does not hold a PEM ${label.toLowerCase()}` });
    return undefined;
  }
  return text;
}

const REDACTED = "[redacted]";

/**
 * Builds a `ResolvedCluster` whose secrets stay out of logs: the TLS key and the password are
 * non-enumerable (so `JSON.stringify`, pino and `util.inspect` skip them) and `toJSON` marks them `[redacted]`.
 */
function createResolvedCluster(fields: Omit<ResolvedCluster, "toJSON">): ResolvedCluster {
  const cluster = { ...fields } as ResolvedCluster;
  if (fields.tls) {
    const { key, ...visible } = fields.tls;
    cluster.tls = visible;
    if (key !== undefined) hide(cluster.tls, "key", key);
  }
  if (fields.auth) {
    cluster.auth = { username: fields.auth.username } as ResolvedCluster["auth"] & object;
    hide(cluster.auth, "password", fields.auth.password);
  }
  hide(cluster, "toJSON", function toJSON(this: ResolvedCluster): Record<string, unknown> {
    return {
      ...this,
      ...(this.tls ? { tls: { ...this.tls, ...(this.tls.key !== undefined ? { key: REDACTED } : {}) } } : {}),
      ...(this.auth ? { auth: { username: this.auth.username, password: REDACTED } } : {}),
    };
  });
  return cluster;
}

function hide(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: false, writable: false, configurable: false });
}

/** The `service` section with defaults applied, copied so the parsed file is not shared. */
export function resolveService(parsed: z.output<typeof serviceFileSchema>): ServiceSettings {
  return {
    alertNames: [...parsed.alertNames],
    defaultMode: parsed.defaultMode,
    history: { ...parsed.history },
    circuitBreaker: { ...parsed.circuitBreaker },
    retry: { ...parsed.retry },
    sweep: { ...parsed.sweep },
  };
}

const MAX_UINT64 = (1n << 64n) - 1n;

/**
 * Reads a pinned etcd cluster ID as etcd prints it, in hex (`etcdctl -w table`, with or without `0x`)
 * or decimal (`-w json`), and returns it as the uint64 decimal string the etcd API uses.
 * Digits only are read as decimal; write a hex ID that has no letters with `0x`. Undefined when invalid.
 */
export function normalizeClusterId(text: string): string | undefined {
  const trimmed = text.trim().toLowerCase();
  let value: bigint;
  if (/^0x[0-9a-f]{1,16}$/.test(trimmed)) value = BigInt(trimmed);
  else if (/^[0-9]{1,20}$/.test(trimmed)) value = BigInt(trimmed);
  else if (/^[0-9a-f]{1,16}$/.test(trimmed)) value = BigInt(`0x${trimmed}`);
  else return undefined;
  return value > 0n && value <= MAX_UINT64 ? value.toString(10) : undefined;
}

/** Reads a file the configuration refers to; tests pass their own. */
export type ReadTextFile = (path: string) => string;

/** How files named in the configuration (TLS, password) are found and read. */
export interface FileAccess {
  /** Directory relative paths are resolved against; default the working directory. */
  baseDir?: string;
  /** Reads one file as UTF-8 text; default `fs.readFileSync`. */
  readFile?: ReadTextFile;
}

/** Reads a referenced file, returning its text or a sentence saying why it could not be read. */
export function readReferencedFile(path: string, access: FileAccess): { text: string } | { problem: string } {
  const fullPath = isAbsolute(path) ? path : resolve(access.baseDir ?? process.cwd(), path);
  try {
    return { text: (access.readFile ?? ((p) => readFileSync(p, "utf8")))(fullPath) };
  } catch (error) {
    return { problem: `cannot read ${JSON.stringify(fullPath)}: ${describeFileError(error)}` };
  }
}

/** The text of the file `path` that the key `keyPath` names, or undefined with the problem added to `problems`. */
export function readFileOrProblem(
  path: string,
  keyPath: string,
  access: FileAccess,
  problems: ConfigProblem[],
): string | undefined {
  const read = readReferencedFile(path, access);
  if ("problem" in read) {
    problems.push({ keyPath, message: read.problem });
    return undefined;
  }
  return read.text;
}

/** Short reason for a failed read, without the noise of Node's full message. */
export function describeFileError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "it is a directory";
  return messageOf(error);
}
