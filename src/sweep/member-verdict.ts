import type { V1Pod } from "@kubernetes/client-node";
import { findEtcdContainer } from "../recovery/kube/etcd-container.js";

/** What the sweep saw of one member. */
export interface MemberSighting {
  /** The member's Deployment's `spec.replicas` (1 when unset); undefined when the Deployment does not exist. */
  replicas: number | undefined;
  /** The Pods the Deployment's selector picks, Terminating ones included. */
  pods: readonly V1Pod[];
}

/** What the sweep knows beyond one sighting. */
export interface SweepMoment {
  /** Now, ms since the epoch. */
  now: number;
  /** How long a member may have no Pod before it counts as dead, ms (`recovery.deadAfterSeconds`). */
  deadAfterMs: number;
  /** When an earlier sweep first saw the member without a Pod, if it did and nothing changed since. */
  missingSince?: number;
}

/**
 * The sweep's decision about one member. `recover`: queue a recovery (`pod` names the crash-looping Pod);
 * `none`: nothing to do. `missingSince` is set while the member has no Pod, for the next sweep to remember.
 */
export type SweepVerdict =
  | { action: "recover"; reason: string; pod?: string; missingSince?: number }
  | { action: "none"; reason: string; missingSince?: number };

/**
 * Decides whether a member needs a recovery: its etcd container waits in CrashLoopBackOff, or its
 * Deployment wants a Pod but has had none for longer than `deadAfterMs`. A member without a Deployment or
 * scaled to 0 is left alone: the first is not there to recover, the second was stopped by someone.
 */
export function judgeMember(sighting: MemberSighting, moment: SweepMoment): SweepVerdict {
  if (sighting.replicas === undefined) return { action: "none", reason: "the member has no Deployment" };
  if (sighting.replicas === 0) return { action: "none", reason: "the member's Deployment is scaled to 0" };
  const live = sighting.pods.filter((pod) => !pod.metadata?.deletionTimestamp);
  const crashLooping = live.find((pod) => crashLoopingContainer(pod) !== undefined);
  if (crashLooping) {
    const name = crashLooping.metadata?.name ?? "(unnamed)";
    return { action: "recover", reason: `Pod ${name} is in CrashLoopBackOff`, pod: name };
  }
  if (live.length > 0) return { action: "none", reason: "the member has a Pod that is not crash-looping" };

  const since = moment.missingSince ?? moment.now;
  const missingMs = moment.now - since;
  if (missingMs > moment.deadAfterMs) {
    return {
      action: "recover",
      reason: `the Deployment wants ${sighting.replicas} Pod(s) but has had none for ${Math.round(missingMs / 1000)} s`,
      missingSince: since,
    };
  }
  return { action: "none", reason: "the member has no Pod yet; waiting to see whether one comes", missingSince: since };
}

/** The name of the Pod's etcd container when it waits in CrashLoopBackOff (a sidecar's crash loop does not count). */
export function crashLoopingContainer(pod: V1Pod): string | undefined {
  const statuses = pod.status?.containerStatuses ?? [];
  const etcd = findEtcdContainer(pod.spec?.containers ?? []);
  const candidates = etcd ? statuses.filter((status) => status.name === etcd.name) : statuses;
  return candidates.find((status) => status.state?.waiting?.reason === "CrashLoopBackOff")?.name;
}
