import type { KubeConfig } from "@kubernetes/client-node";
import { Watch } from "@kubernetes/client-node/dist/watch.js";
import type { CoreCalls } from "./api-calls.js";
import { DeadlineExceededError, messageOf } from "../../core/errors.js";
import { toKubernetesApiError } from "./errors.js";
import { watchFailure } from "./pods.js";

/** Which claim to wait for, and for how long. */
export interface ClaimGoneWait {
  namespace: string;
  name: string;
  /** The UID of the claim that must go; a new claim of the same name does not count. */
  uid: string;
  timeoutMs: number;
}

/**
 * Resolves once the claim `uid` no longer exists: lists the claim by name, then watches from the list's
 * resourceVersion until it is deleted or replaced; a watch that ends lists again. Rejects with a
 * DeadlineExceededError saying what the claim last looked like after `timeoutMs`.
 */
export function waitForClaimGone(kubeConfig: KubeConfig, core: CoreCalls, wait: ClaimGoneWait): Promise<void> {
  const { namespace, name, uid, timeoutMs } = wait;
  const what = `PersistentVolumeClaim ${namespace}/${name} (UID ${uid}) to be gone`;
  const fieldSelector = `metadata.name=${name}`;
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    let stopWatch: (() => void) | undefined;
    let last = "not looked at yet";
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      stopWatch?.();
      if (error) reject(error);
      else resolve();
    };
    const deadline = setTimeout(
      () => finish(new DeadlineExceededError(what, timeoutMs, { lastObservation: last })),
      timeoutMs,
    );
    const describe = (claim: { metadata?: { deletionTimestamp?: unknown; finalizers?: string[] } }) =>
      claim.metadata?.deletionTimestamp
        ? `Terminating, finalizers ${JSON.stringify(claim.metadata.finalizers ?? [])}`
        : "present, not being deleted";

    const look = async (): Promise<void> => {
      if (settled) return;
      let resourceVersion: string;
      try {
        const list = await core.listNamespacedPersistentVolumeClaim({ namespace, fieldSelector });
        const claim = list.items.find((item) => item.metadata?.uid === uid);
        if (!claim) return finish();
        last = describe(claim);
        resourceVersion = list.metadata?.resourceVersion ?? "";
      } catch (error) {
        last = messageOf(toKubernetesApiError("list", `PersistentVolumeClaims ${namespace}/${name}`, error));
        setTimeout(() => void look(), 500);
        return;
      }
      try {
        const controller = await new Watch(kubeConfig).watch(
          `/api/v1/namespaces/${encodeURIComponent(namespace)}/persistentvolumeclaims`,
          { fieldSelector, resourceVersion },
          (type: string, raw: unknown) => {
            const claim = raw as { metadata?: { uid?: string; deletionTimestamp?: unknown; finalizers?: string[] } };
            if (claim.metadata?.uid !== uid) return;
            if (type === "DELETED") finish();
            else last = describe(claim);
          },
          (error: unknown) => {
            const failure = watchFailure(`PersistentVolumeClaim ${namespace}/${name}`, error);
            if (failure) last = failure.message;
            if (!settled) setTimeout(() => void look(), failure ? 500 : 0);
          },
        );
        if (settled) controller.abort();
        else stopWatch = () => controller.abort();
      } catch (error) {
        last = messageOf(error);
        setTimeout(() => void look(), 500);
      }
    };
    void look();
  });
}
