import { beforeAll, describe, expect, it } from "vitest";
import { readDeployRules, selectsSeries } from "../support/crash-loop-rule.js";
import { at, findObject, renderChart } from "../support/helm-chart.js";

/** The `expr` of the chart's PrometheusRule rendered with these `--set-json` assignments. */
async function chartExpr(...setJson: string[]): Promise<string> {
  const objects = await renderChart({ set: ["prometheusRule.enabled=true"], setJson });
  return at(findObject(objects, "PrometheusRule", "etcd-responder"), "spec", "groups", 0, "rules", 0, "expr") as string;
}

/** The Pods of `pods` the expression selects in `namespace` as crash-looping. */
function selected(expr: string, namespace: string, pods: string[]): string[] {
  return pods.filter((pod) => selectsSeries(expr, { namespace, pod, reason: "CrashLoopBackOff" }));
}

const deploymentPods = ["example-1-7c5f7d6568-9m9sr", "example-3-5d4f8b7c9-abcde"];
const statefulSetPods = ["example-0", "example-2", "example-12"];
// Prefixes and look-alikes of the cluster's names that are other workloads' Pods.
const unrelated = ["example-redis-0", "example-2x", "exampleX-1", "example", "example-", "xexample-2", "example-a-0"];

describe("the crash-loop rule's Pod selection", () => {
  let shipped: string;

  beforeAll(async () => {
    shipped = (await readDeployRules()).groups[0]!.rules[0]!.expr;
  });

  it("selects the example cluster's Deployment Pods and StatefulSet Pods, and no look-alike", () => {
    const all = [...deploymentPods, ...statefulSetPods, ...unrelated];
    expect(selected(shipped, "default", all)).toEqual([...deploymentPods, ...statefulSetPods]);
    expect(selected(shipped, "other", all)).toEqual([]);
    expect(selectsSeries(shipped, { namespace: "default", pod: "example-2", reason: "Error" })).toBe(false);
  });

  it("selects only the named StatefulSet's Pods for a cluster with statefulSet", async () => {
    const expr = await chartExpr(
      'config.clusters=[{"name":"milvus","namespace":"ai","members":3,' +
        '"statefulSet":{"name":"milvus-etcd","serviceName":"milvus-etcd-headless","volumeClaimTemplate":"data"}},' +
        '{"name":"example","members":3}]',
    );
    const pods = [
      "milvus-etcd-0",
      "milvus-etcd-2",
      "milvus-0",
      "milvus-1-5d4f8b7c9-abcde",
      "milvus-etcd-0-abcde",
      "milvus-etcd-headless-0",
      "milvus-etcdx-0",
    ];
    expect(selected(expr, "ai", pods)).toEqual(["milvus-etcd-0", "milvus-etcd-2"]);
    // The other cluster keeps the default selection, in its own namespace only.
    expect(selected(expr, "default", [...pods, "example-2", "example-2-5d4f8b7c9-abcde"])).toEqual([
      "example-2",
      "example-2-5d4f8b7c9-abcde",
    ]);
  });

  it("follows a cluster's Deployment template, and still takes a StatefulSet named after the cluster", async () => {
    const expr = await chartExpr(
      'config.clusters=[{"name":"main","namespace":"platform","members":3,' +
        '"naming":{"deployment":"etcd.{name}-{index}"}}]',
    );
    expect(
      selected(expr, "platform", ["etcd.main-2-5d4f8b7c9-abcde", "etcdxmain-2-5d4f8b7c9-abcde", "main-2", "main-2-x"]),
    ).toEqual(["etcd.main-2-5d4f8b7c9-abcde", "main-2"]);
  });
});
