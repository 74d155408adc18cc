import type { MemberWorkload, ResolvedCluster, ResolvedMember } from "./config/types.js";
import { NotConfiguredError } from "./errors.js";
import { CLUSTER_LABEL, MEMBER_LABEL } from "./labels.js";

/** A configured member with its cluster: what a lookup resolves once and every layer after it carries. */
export interface ClusterMember {
  cluster: ResolvedCluster;
  member: ResolvedMember;
}

/**
 * The configured clusters, and the one place where a cluster, a member or a Pod is looked up. A lookup
 * that finds nothing throws a NotConfiguredError whose message says what is configured.
 */
export class ClusterCatalog {
  /** Every configured cluster, in the configuration's order. */
  readonly clusters: readonly ResolvedCluster[];
  private readonly namespaces: ReadonlySet<string>;
  /**
   * The members by `namespace/name` of what runs them: a StatefulSet member under its Pod's name, a Deployment member
   * under its Deployment's. A Pod name then costs one or two map reads, however many clusters are configured.
   */
  private readonly byRunnerName = new Map<string, ClusterMember[]>();
  /**
   * The Deployment members whose `NAME-` is at least as long as a cut Pod name's prefix, by `namespace/` and the
   * first 58 characters of `NAME-`: a cut name costs a few map reads too.
   */
  private readonly byCutPrefix = new Map<string, ClusterMember[]>();
  /** The clusters by `namespace/name`. */
  private readonly byKey = new Map<string, ResolvedCluster>();
  /** The clusters by name, in the configuration's order: a name may be used in several namespaces. */
  private readonly byName = new Map<string, ResolvedCluster[]>();

  constructor(clusters: readonly ResolvedCluster[]) {
    this.clusters = [...clusters];
    this.namespaces = new Set(clusters.map((cluster) => cluster.namespace));
    for (const cluster of clusters) {
      this.byKey.set(`${cluster.namespace}/${cluster.name}`, cluster);
      addTo(this.byName, cluster.name, cluster);
      for (const member of cluster.members) {
        const { workload } = member;
        const runner = workload.kind === "StatefulSet" ? workload.pod : workload.name;
        // One object under every key, so that a member found under two keys counts once.
        const entry = { cluster, member };
        addTo(this.byRunnerName, `${cluster.namespace}/${runner}`, entry);
        const base = `${runner}-`;
        if (workload.kind === "Deployment" && base.length >= MAX_GENERATED_PREFIX) {
          addTo(this.byCutPrefix, `${cluster.namespace}/${base.slice(0, MAX_GENERATED_PREFIX)}`, entry);
        }
      }
    }
  }

  /**
   * The cluster called `name` (in `namespace`, when given). Without a namespace the name must be used by
   * one cluster only.
   */
  cluster(name: string, namespace?: string): ResolvedCluster {
    const named = namespace === undefined ? this.byName.get(name) : [this.byKey.get(`${namespace}/${name}`)];
    const matches = (named ?? []).filter((c): c is ResolvedCluster => c !== undefined);
    if (matches.length > 1) {
      const namespaces = matches.map((c) => c.namespace).join(", ");
      throw new NotConfiguredError(
        "ambiguous-cluster",
        `cluster name "${name}" is used in several namespaces (${namespaces}); say which namespace`,
      );
    }
    const [cluster] = matches;
    if (!cluster) {
      const where = namespace === undefined ? `"${name}"` : `"${name}" in namespace "${namespace}"`;
      throw new NotConfiguredError("cluster", `no configured cluster ${where}; configured clusters: ${this.list()}`);
    }
    return cluster;
  }

  /** Member `index` (1-based) of `cluster`, given as a cluster or by name (and namespace). */
  member(cluster: ResolvedCluster | string, index: number, namespace?: string): ClusterMember {
    const resolved = typeof cluster === "string" ? this.cluster(cluster, namespace) : cluster;
    const member = Number.isInteger(index) ? resolved.members[index - 1] : undefined;
    if (!member) {
      throw new NotConfiguredError(
        "member",
        `cluster ${resolved.namespace}/${resolved.name} has members 1 to ${resolved.members.length}; ` +
          `there is no member ${index}`,
      );
    }
    return { cluster: resolved, member };
  }

  /** `namespace/name` of every configured cluster, comma-separated, for messages. */
  list(): string {
    return this.clusters.map((c) => `${c.namespace}/${c.name}`).join(", ");
  }

  /** Whether a configured cluster lives in `namespace`: no Pod elsewhere can be a member. */
  hasNamespace(namespace: string): boolean {
    return this.namespaces.has(namespace);
  }

  /**
   * The member a Pod name belongs to by the naming convention (`DEPLOYMENT-HASH-XXXXX`, or a StatefulSet
   * member's `STATEFULSET-ORDINAL`), which needs no Kubernetes call and still works for a Pod that no longer
   * exists; undefined when no member fits, or when a name cut short by Kubernetes fits several.
   */
  memberOfPodName(namespace: string, pod: string): ClusterMember | undefined {
    const runners = isCutPodName(pod) ? [pod, ...deploymentsOfCutPodName(pod)] : [pod, deploymentOfPodName(pod)];
    const candidates = new Set(
      runners.flatMap((name) => (name === undefined ? [] : (this.byRunnerName.get(`${namespace}/${name}`) ?? []))),
    );
    if (isCutPodName(pod)) {
      for (const candidate of this.byCutPrefix.get(`${namespace}/${pod.slice(0, -5)}`) ?? []) candidates.add(candidate);
    }
    const matches = [...candidates].filter(({ member }) => isPodOfMember(pod, member.workload));
    return matches.length === 1 ? matches[0] : undefined;
  }

  /**
   * The member a Pod's labels name (`etcd.responder.io/cluster` and `etcd.responder.io/member`), when that
   * cluster is configured in the Pod's namespace and has that member; undefined otherwise.
   */
  memberOfPodLabels(namespace: string, labels: Readonly<Record<string, string>>): ClusterMember | undefined {
    const name = own(labels, CLUSTER_LABEL);
    const index = own(labels, MEMBER_LABEL);
    if (name === undefined || index === undefined || !/^[1-9][0-9]{0,2}$/.test(index)) return undefined;
    const cluster = this.byKey.get(`${namespace}/${name}`);
    const member = cluster?.members[Number(index) - 1];
    return cluster && member ? { cluster, member } : undefined;
  }
}

/** Whether `pod` is the member's Pod by name: its StatefulSet Pod exactly, or a Pod its Deployment made. */
function isPodOfMember(pod: string, workload: MemberWorkload): boolean {
  return workload.kind === "StatefulSet" ? pod === workload.pod : isPodOfDeployment(pod, workload.name);
}

/** Kubernetes keeps at most this many characters of a generated name's prefix, leaving 5 for the random part. */
const MAX_GENERATED_PREFIX = 58;
const RANDOM_SUFFIX = /^[a-z0-9]{5}$/;
/** The pod-template-hash: up to 10 characters (older clusters used plain decimal digits). */
const TEMPLATE_HASH_DASH = /^[a-z0-9]{1,10}-$/;

/**
 * True when `pod` is a name Kubernetes gives the Pods of Deployment `deployment`: `DEPLOYMENT-HASH-XXXXX`,
 * where HASH is the ReplicaSet's pod-template-hash and XXXXX is random. Only the shape is checked, so a
 * Pod from an earlier ReplicaSet, long deleted, still matches. Long names are cut by Kubernetes to 58
 * characters before the random part; such a name matches when what is left fits the Deployment.
 */
export function isPodOfDeployment(pod: string, deployment: string): boolean {
  if (deployment === "" || pod.length <= 5) return false;
  const prefix = pod.slice(0, -5);
  if (!RANDOM_SUFFIX.test(pod.slice(-5))) return false;
  const base = `${deployment}-`;
  if (prefix.length < MAX_GENERATED_PREFIX) {
    return prefix.startsWith(base) && TEMPLATE_HASH_DASH.test(prefix.slice(base.length));
  }
  if (prefix.length > MAX_GENERATED_PREFIX) return false;
  // Cut inside the Deployment name, or inside (or right after) the hash.
  if (base.startsWith(prefix)) return true;
  return prefix.startsWith(base) && /^[a-z0-9]{0,10}-?$/.test(prefix.slice(base.length));
}

/** Whether Kubernetes cut the generated prefix of this name: then only a comparison with every Deployment tells. */
function isCutPodName(pod: string): boolean {
  return pod.length - 5 === MAX_GENERATED_PREFIX;
}

/**
 * The Deployments a cut name may belong to with its whole `NAME-` kept: each `NAME` such that the rest of the prefix
 * after `NAME-` is what `isPodOfDeployment` lets a cut hash be (up to 10 characters and a dash). Those whose `NAME-`
 * was cut are found by `byCutPrefix`.
 */
function deploymentsOfCutPodName(pod: string): string[] {
  const prefix = pod.slice(0, -5);
  const names: string[] = [];
  for (let dash = prefix.length - 12; dash < prefix.length; dash++) {
    if (dash > 0 && prefix[dash] === "-") names.push(prefix.slice(0, dash));
  }
  return names;
}

function addTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const values = map.get(key);
  if (values) values.push(value);
  else map.set(key, [value]);
}

/**
 * The Deployment a name `DEPLOYMENT-HASH-XXXXX` (not cut short) says it belongs to, or undefined for a name of
 * another shape; `isPodOfDeployment` still checks the shape in full.
 */
function deploymentOfPodName(pod: string): string | undefined {
  const prefix = pod.slice(0, -5);
  if (!prefix.endsWith("-")) return undefined;
  const withHash = prefix.slice(0, -1);
  const dash = withHash.lastIndexOf("-");
  return dash > 0 ? withHash.slice(0, dash) : undefined;
}

function own(labels: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(labels, key) ? labels[key] : undefined;
}
