import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { AppsV1Api, type KubeConfig } from "@kubernetes/client-node";
import { stringify } from "yaml";
import { kubectl } from "./kubectl.js";
import { isCrashLooping, isReady, kubeConfigFrom, memberSelector, waitForPods } from "./pod-watch.js";
import type { SandboxProcess } from "./sandbox-process.js";

/** Where a member's Deployment and its claim are, and how to reach the sandbox. */
export interface MemberOnClaim {
  /** The sandbox admin's client configuration, for watches. */
  kc: KubeConfig;
  /** The sandbox admin's kubeconfig file, for kubectl. */
  kubeconfig: string;
  /** A folder the test owns, for the claim's manifest. */
  dir: string;
  /** The cluster's namespace. */
  namespace: string;
  /** The cluster's name: member N runs as Deployment `CLUSTER-N`. */
  cluster: string;
  /** The member's index. */
  index: number;
  /** The claim that is to hold the member's data. */
  claim: string;
}

/** Member `index` of the sandbox's first cluster, whose data is to be on claim `claim`. */
export function memberOnClaim(sandbox: SandboxProcess, index: number, claim: string): MemberOnClaim {
  const cluster = sandbox.info.clusters[0]!;
  return {
    kc: kubeConfigFrom(sandbox.info.kubeconfig),
    kubeconfig: sandbox.info.kubeconfig,
    dir: sandbox.dir,
    namespace: cluster.namespace,
    cluster: cluster.name,
    index,
    claim,
  };
}

/** What a member's new Pod did: crash-looped (its name), or became Ready. */
export type NewPodOutcome = { crashLooping: string } | { ready: string };

/** Runs kubectl and throws, with what it printed, unless it succeeds. */
async function kubectlOk(kubeconfig: string, ...args: string[]): Promise<string> {
  const run = await kubectl(kubeconfig, ...args);
  if (run.code !== 0) throw new Error(`kubectl ${args.join(" ")} exited with ${run.code}: ${run.stderr}`);
  return run.stdout;
}

/** Creates an empty claim of the sandbox's default StorageClass, as a person would with `kubectl create -f`. */
export async function createEmptyClaim(member: MemberOnClaim): Promise<void> {
  const manifest = join(member.dir, `${member.claim}.yaml`);
  const claim = {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name: member.claim,
      namespace: member.namespace,
      labels: { "etcd.responder.io/cluster": member.cluster, "etcd.responder.io/member": String(member.index) },
    },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
  };
  await writeFile(manifest, stringify(claim));
  await kubectlOk(member.kubeconfig, "create", "-f", manifest);
}

/** Resolves once a Pod of the member that is not one of `old` crash-loops or becomes Ready. */
function newPodOutcome(member: MemberOnClaim, old: Set<string>, what: string): Promise<NewPodOutcome> {
  return waitForPods(
    member.kc,
    member.namespace,
    memberSelector(member.cluster, member.index),
    (pods) => {
      const fresh = pods.find((p) => !old.has(p.metadata!.uid!) && !p.metadata?.deletionTimestamp);
      if (fresh && isCrashLooping(fresh)) return { crashLooping: fresh.metadata!.name! };
      if (fresh && isReady(fresh)) return { ready: fresh.metadata!.name! };
      return undefined;
    },
    what,
    60_000,
  );
}

/** UIDs of the member's Pods now. */
async function podUids(member: MemberOnClaim): Promise<Set<string>> {
  return waitForPods(
    member.kc,
    member.namespace,
    memberSelector(member.cluster, member.index),
    (pods) => new Set(pods.map((p) => p.metadata!.uid!)),
    "the member's Pods listed",
  );
}

/**
 * Moves the member's data volume from its emptyDir to a new, empty claim (`kubectl create` and a JSON patch of
 * the Deployment), and resolves with what the Pod made from the changed template did. Started empty with the
 * seed's state `new`, it crash-loops: "already bootstrapped".
 */
export async function moveDataToEmptyClaim(member: MemberOnClaim): Promise<NewPodOutcome> {
  const name = `${member.cluster}-${member.index}`;
  await createEmptyClaim(member);
  const deployment = await member.kc
    .makeApiClient(AppsV1Api)
    .readNamespacedDeployment({ name, namespace: member.namespace });
  const volumes = deployment.spec?.template?.spec?.volumes ?? [];
  const at = volumes.findIndex((v) => v.name === "data");
  if (at < 0) throw new Error(`Deployment ${name} has no volume named data`);
  const old = await podUids(member);
  const patch = [
    {
      op: "replace",
      path: `/spec/template/spec/volumes/${at}`,
      value: { name: "data", persistentVolumeClaim: { claimName: member.claim } },
    },
  ];
  await kubectlOk(
    member.kubeconfig,
    "patch",
    "deployment",
    name,
    "-n",
    member.namespace,
    "--type=json",
    "-p",
    JSON.stringify(patch),
  );
  return newPodOutcome(member, old, `${name}'s Pod on claim ${member.claim} to crash-loop or be Ready`);
}

/**
 * Gives the member an empty claim of the same name while its Deployment keeps its flags, as a lost volume would:
 * scales it to 0, deletes the claim and waits until it is gone, creates it again and scales back to 1 (all with
 * kubectl). Resolves with what the new Pod did.
 */
export async function replaceClaimWithEmptyOne(member: MemberOnClaim): Promise<NewPodOutcome> {
  const name = `${member.cluster}-${member.index}`;
  const ns = ["-n", member.namespace];
  await kubectlOk(member.kubeconfig, "scale", "deployment", name, ...ns, "--replicas=0");
  await waitForPods(
    member.kc,
    member.namespace,
    memberSelector(member.cluster, member.index),
    (pods) => (pods.length === 0 ? true : undefined),
    `${name}'s Pod gone`,
  );
  await kubectlOk(member.kubeconfig, "delete", "pvc", member.claim, ...ns, "--wait=true", "--timeout=30s");
  await createEmptyClaim(member);
  await kubectlOk(member.kubeconfig, "scale", "deployment", name, ...ns, "--replicas=1");
  return newPodOutcome(member, new Set(), `${name}'s Pod on a new empty claim to crash-loop or be Ready`);
}
