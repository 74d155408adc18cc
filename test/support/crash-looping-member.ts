import { AppsV1Api, type KubeConfig } from "@kubernetes/client-node";
import { breakMember, isCrashLooping, isReady, memberSelector, waitForPods } from "./pod-watch.js";

/**
 * Breaks member `index` the seed's way (its Pod deleted, the new one empty) and resolves with the name of
 * the new Pod once it crash-loops. On a busy host etcd sometimes lets the empty member catch up instead
 * (breakMember then scales its Deployment to 0): the Deployment is scaled back to 1 and, if that Pod
 * becomes Ready, the member is broken again, at most `attempts` times in all.
 */
export async function breakUntilCrashLooping(
  kc: KubeConfig,
  namespace: string,
  cluster: string,
  index: number,
  attempts = 3,
): Promise<string> {
  const name = `${cluster}-${index}`;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const crashing = await breakMember(kc, namespace, cluster, index);
    if (crashing) return crashing;
    await kc.makeApiClient(AppsV1Api).replaceNamespacedDeploymentScale({
      name,
      namespace,
      body: { metadata: { name, namespace }, spec: { replicas: 1 } },
    });
    const outcome = await waitForPods(
      kc,
      namespace,
      memberSelector(cluster, index),
      (pods) => {
        const crashLooping = pods.find(isCrashLooping);
        if (crashLooping) return { crashLooping: crashLooping.metadata!.name! };
        return pods.some(isReady) ? { ready: true } : undefined;
      },
      `${name}'s Pod crash-looping or Ready after scaling it back to 1`,
    );
    if (outcome.crashLooping) return outcome.crashLooping;
  }
  throw new Error(`${name}'s new Pod caught up instead of crash-looping ${attempts} times in a row`);
}
