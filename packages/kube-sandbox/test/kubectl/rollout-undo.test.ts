import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Deployment, ReplicaSet } from "../../src/controllers/workload-types.js";
import { waitForStore } from "../../src/index.js";
import { sleeperDeployment, startKubectlSandbox, type KubectlSandbox } from "./kubectl-sandbox.js";

const REVISION = "deployment.kubernetes.io/revision";
const REVISION_HISTORY = "deployment.kubernetes.io/revision-history";

describe("kubectl rollout undo", () => {
  let k: KubectlSandbox;

  beforeAll(async () => {
    k = await startKubectlSandbox();
  });

  afterAll(async () => {
    await k?.stop();
  });

  /** The ReplicaSets of `web` by name, with their replicas and revision annotations. */
  const replicaSets = () =>
    Object.fromEntries(
      (k.sandbox.store.list("replicasets.apps", "default") as ReplicaSet[]).map((rs) => [
        rs.metadata.name,
        {
          replicas: rs.spec?.replicas,
          revision: rs.metadata.annotations?.[REVISION],
          history: rs.metadata.annotations?.[REVISION_HISTORY],
        },
      ]),
    );

  const rolledOut = async (what: string) => {
    const status = await k.kubectl("rollout", "status", "deployment/web", "--timeout=30s");
    expect(status.code, `${what}: ${status.stderr}`).toBe(0);
    await waitForStore(
      k.sandbox.store,
      () => {
        const d: Deployment | undefined = k.sandbox.store.get("deployments.apps", "default", "web");
        return d?.status?.replicas === 2 && d.status.updatedReplicas === 2;
      },
      `${what}: only the updated Pods of web left`,
      30_000,
    );
  };

  it("scales the previous ReplicaSet back up instead of making one, and gives it the newest revision", async () => {
    await k.apply(sleeperDeployment("web", 2));
    await rolledOut("first rollout");
    const [first] = Object.keys(replicaSets());

    const changed = await k.kubectl("set", "env", "deployment/web", "STAGE=two");
    expect(changed.code, changed.stderr).toBe(0);
    await rolledOut("second rollout");
    const second = Object.keys(replicaSets()).find((name) => name !== first);
    expect(replicaSets()).toEqual({
      [first!]: { replicas: 0, revision: "1", history: undefined },
      [second!]: { replicas: 2, revision: "2", history: undefined },
    });

    const undone = await k.kubectl("rollout", "undo", "deployment/web");
    expect(undone.code, undone.stderr).toBe(0);
    expect(undone.stdout.trim()).toBe("deployment.apps/web rolled back");
    await rolledOut("rollback");
    expect(replicaSets()).toEqual({
      [first!]: { replicas: 2, revision: "3", history: "1" },
      [second!]: { replicas: 0, revision: "2", history: undefined },
    });
    const deployment: Deployment | undefined = k.sandbox.store.get("deployments.apps", "default", "web");
    expect(deployment?.metadata.annotations?.[REVISION]).toBe("3");

    const history = await k.kubectl("rollout", "history", "deployment/web");
    expect(history.code, history.stderr).toBe(0);
    expect(
      history.stdout
        .trim()
        .split("\n")
        .map((line) => line.trim().split(/\s+/)),
    ).toEqual([["deployment.apps/web"], ["REVISION", "CHANGE-CAUSE"], ["2", "<none>"], ["3", "<none>"]]);
    const revision3 = await k.kubectl("rollout", "history", "deployment/web", "--revision=3");
    expect(revision3.code, revision3.stderr).toBe(0);
    expect(revision3.stdout).toContain(`pod-template-hash=${first!.slice("web-".length)}`);
    expect(revision3.stdout).not.toContain("STAGE");
  });
});
