import type { ConfigProblem } from "../errors/index.js";
import { normalizeClusterId } from "./cluster-id.js";
import type { ParsedClusterEntry } from "./config-schema.js";
import { DNS_1123_LABEL, isHttpURL } from "./config-schema.js";
import { formatKeyPath } from "./key-path.js";
import type { FileAccess } from "./read-config-file.js";
import { readReferencedFile } from "./read-config-file.js";
import { renderMember } from "./resolve-member.js";
import { createResolvedCluster } from "./resolved-cluster.js";
import type { ClusterAuth, ClusterTls, MemberURLOverride, ResolvedCluster, ResolvedMember } from "./types.js";

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

  const source = { name: entry.name, namespace: entry.namespace, naming: entry.naming, memberURLs };
  const members: ResolvedMember[] = [];
  for (let index = 1; index <= entry.members; index++) members.push(renderMember(source, index));

  problems.push(...checkRenderedMembers(members, memberURLs, at, Boolean(entry.tls)));

  let clusterID: string | undefined;
  if (entry.clusterID !== undefined) {
    clusterID = normalizeClusterId(entry.clusterID);
    if (clusterID === undefined) {
      problems.push({
        keyPath: at("clusterID"),
        message: `expected a non-zero 64-bit cluster ID in hex (e.g. "a1b2c3d4e5f60718") or decimal, got ${JSON.stringify(entry.clusterID)}`,
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
    const read = readReferencedFile(entry.auth.passwordFile, files);
    if ("problem" in read) problems.push({ keyPath: at("auth", "passwordFile"), message: read.problem });
    else {
      // Secret files usually end with a newline that is not part of the password.
      const password = read.text.replace(/\r?\n$/, "");
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
      snapshots: { ...entry.snapshots },
      naming: { ...entry.naming },
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
    if (member.deployment.length > 253 || !DNS_1123_SUBDOMAIN.test(member.deployment)) {
      report(
        at("naming", "deployment"),
        `renders ${JSON.stringify(member.deployment)} for member ${member.index}, which is not a valid Kubernetes object name`,
      );
    }
    if (!DNS_1123_LABEL.test(member.service)) {
      report(
        at("naming", "service"),
        `renders ${JSON.stringify(member.service)} for member ${member.index}, which is not a valid Service name (DNS-1123 label)`,
      );
    }
    for (const field of ["clientURL", "peerURL"] as const) {
      if (!isHttpURL(member[field])) {
        report(
          urlPath(member, field),
          `renders ${JSON.stringify(member[field])} for member ${member.index}, which is not an http:// or https:// URL`,
        );
      }
    }
    if (tls && member.clientURL.startsWith("http://")) {
      report(
        urlPath(member, "clientURL"),
        `member ${member.index} has the plain http client URL ${JSON.stringify(member.clientURL)} although tls is configured; use https://`,
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
      const value = field === "memberName" ? member.name : member[field];
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

function readPem(
  path: string,
  label: string,
  keyPath: string,
  files: FileAccess,
  problems: ConfigProblem[],
): string | undefined {
  const read = readReferencedFile(path, files);
  if ("problem" in read) {
    problems.push({ keyPath, message: read.problem });
    return undefined;
  }
  if (!new RegExp(`-----BEGIN [A-Z ]*${label}-----`).test(read.text)) {
    problems.push({ keyPath, message: `${JSON.stringify(path)} does not hold a PEM ${label.toLowerCase()}` });
    return undefined;
  }
  return read.text;
}
