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

  constructor(clusters: readonly ResolvedCluster[]) {
    this.clusters = [...clusters];
    this.namespaces = new Set(clusters.map((cluster) => cluster.namespace));
    for (const cluster of clusters) {
      for (const member of cluster.members) {
        const { workload } = member;
        const key = `${cluster.namespace}/${workload.kind === "StatefulSet" ? workload.pod : workload.name}`;
        const members = this.byRunnerName.get(key);
        if (members) members.push({ cluster, member });
        else this.byRunnerName.set(key, [{ cluster, member }]);
      }
    }
  }

  /**
   * The cluster called `name` (in `namespace`, when given). Without a namespace the name must be used by
   * one cluster only.
   */
  cluster(name: string, namespace?: string): ResolvedCluster {
    const matches = this.clusters.filter(
      (c) => c.name === name && (namespace === undefined || c.namespace === namespace),
    );
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
    const candidates = isCutPodName(pod)
      ? this.clusters
          .filter((cluster) => cluster.namespace === namespace)
          .flatMap((cluster) => cluster.members.map((member) => ({ cluster, member })))
      : [pod, deploymentOfPodName(pod)].flatMap((name) =>
          name === undefined ? [] : (this.byRunnerName.get(`${namespace}/${name}`) ?? []),
        );
    const matches = candidates.filter(({ member }) => isPodOfMember(pod, member.workload));
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
    const cluster = this.clusters.find((c) => c.name === name && c.namespace === namespace);
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
