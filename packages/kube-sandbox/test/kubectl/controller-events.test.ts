import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Deployment } from "../../src/controllers/workload-types.js";
import { waitForStore } from "../../src/index.js";
import { sleeperDeployment, startKubectlSandbox, type KubectlSandbox } from "./kubectl-sandbox.js";

const WAIT_MS = 30_000;

/** The `Events:` rows of `kubectl describe` with this reason and source, as [message, ...] captures. */
function eventRows(describe: string, reason: string, source: string, message: string): RegExpExecArray[] {
  return [...describe.matchAll(new RegExp(`Normal\\s+${reason}\\s+\\S+\\s+${source}\\s+${message}`, "g"))];
}

describe("controller Events, as kubectl describe shows them", () => {
  let k: KubectlSandbox;

  beforeAll(async () => {
    k = await startKubectlSandbox();
  });

  afterAll(async () => {
    await k?.stop();
  });

  const deploymentSettled = (replicas: number) =>
    waitForStore(
      k.sandbox.store,
      () => {
        const d: Deployment | undefined = k.sandbox.store.get("deployments.apps", "default", "web");
        return d?.status?.availableReplicas === replicas && d.status.replicas === replicas;
      },
      `deployment web to have ${replicas} available replicas`,
      WAIT_MS,
    );

  it("records ScalingReplicaSet on a Deployment, SuccessfulCreate and SuccessfulDelete on its ReplicaSet", async () => {
    await k.apply(sleeperDeployment("web", 2));
    await deploymentSettled(2);
    const scaled = await k.kubectl("scale", "deployment/web", "--replicas=1");
    expect(scaled.code, scaled.stderr).toBe(0);
    await deploymentSettled(1);
    const replicaSets = k.sandbox.store.list("replicasets.apps", "default");
    expect(replicaSets).toHaveLength(1);
    const rs = replicaSets[0]!.metadata.name;

    const deployment = await k.kubectl("describe", "deployment", "web");
    expect(deployment.code, deployment.stderr).toBe(0);
    const scaling = (words: string) =>
      eventRows(deployment.stdout, "ScalingReplicaSet", "deployment-controller", `Scaled ${words}`);
    expect(scaling(`up replica set ${rs} from 0 to 2`)).toHaveLength(1);
    expect(scaling(`down replica set ${rs} from 2 to 1`)).toHaveLength(1);

    const replicaSet = await k.kubectl("describe", "rs", rs);
    expect(replicaSet.code, replicaSet.stderr).toBe(0);
    const created = eventRows(replicaSet.stdout, "SuccessfulCreate", "replicaset-controller", "Created pod: (\\S+)");
    const deleted = eventRows(replicaSet.stdout, "SuccessfulDelete", "replicaset-controller", "Deleted pod: (\\S+)");
    expect(created).toHaveLength(2);
    expect(deleted).toHaveLength(1);
    expect(created.map((row) => row[1])).toContain(deleted[0]![1]);
  });
});
