import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/index.js";
import { createMemberOfPod } from "../../src/intake/member-of-pod.js";
import { memberFromPodLabels } from "../../src/intake/pod-labels.js";
import { podLabelsFromGateway } from "../../src/intake/pod-labels-from-gateway.js";
import { testConfig } from "./fixtures/intake-harness.js";

describe("createMemberOfPod", () => {
  it("maps Pods by the name convention without asking Kubernetes, Pods from the past included", async () => {
    const asked: string[] = [];
    const memberOfPod = createMemberOfPod({
      config: testConfig(),
      readPodLabels: async (namespace, pod) => {
        asked.push(`${namespace}/${pod}`);
        return undefined;
      },
    });
    // A Pod of a ReplicaSet replaced long ago: the name alone says which member it was.
    expect(await memberOfPod("default", "example-4-5c8b7f9d6-p9w2z")).toEqual({ cluster: "example", member: 4 });
    expect(await memberOfPod("prod", "main-3-7d9f8b6c4d-x2k4q")).toEqual({ cluster: "main", member: 3 });
    expect(await memberOfPod("staging", "shared-2-7d9f8b6c4d-x2k4q")).toEqual({ cluster: "shared", member: 2 });
    expect(asked).toEqual([]);
  });

  it("follows custom Deployment naming", async () => {
    const config = parseConfig(
      "clusters:\n  - name: kv\n    namespace: data\n    members: 3\n    naming:\n      deployment: etcd-{name}-member{index}\n",
      "responder.yaml",
    );
    const memberOfPod = createMemberOfPod({ config });
    expect(await memberOfPod("data", "etcd-kv-member2-7d9f8b6c4d-x2k4q")).toEqual({ cluster: "kv", member: 2 });
    expect(await memberOfPod("data", "kv-2-7d9f8b6c4d-x2k4q")).toBeUndefined();
  });

  it("falls back to the Pod's labels, and treats a missing Pod as no member", async () => {
    const memberOfPod = createMemberOfPod({
      config: testConfig(),
      readPodLabels: async (_namespace, pod) =>
        pod === "etcd-odd-name"
          ? { "etcd.responder.io/cluster": "example", "etcd.responder.io/member": "2" }
          : undefined,
    });
    expect(await memberOfPod("default", "etcd-odd-name")).toEqual({ cluster: "example", member: 2 });
    expect(await memberOfPod("default", "gone")).toBeUndefined();
  });

  it("does not ask Kubernetes about namespaces without configured clusters", async () => {
    let asked = 0;
    const memberOfPod = createMemberOfPod({
      config: testConfig(),
      readPodLabels: async () => {
        asked++;
        return { "etcd.responder.io/cluster": "example", "etcd.responder.io/member": "1" };
      },
    });
    expect(await memberOfPod("kube-system", "coredns-76f75df574-8kq2v")).toBeUndefined();
    expect(asked).toBe(0);
  });

  it("without a label reader, the name convention alone decides", async () => {
    const memberOfPod = createMemberOfPod({ config: testConfig() });
    expect(await memberOfPod("default", "nginx-5d8f7c9b6-abcde")).toBeUndefined();
  });
});

describe("memberFromPodLabels", () => {
  const clusters = testConfig().clusters;
  const labels = (cluster: string, member: string) => ({
    "etcd.responder.io/cluster": cluster,
    "etcd.responder.io/member": member,
  });

  it("maps the labels of a configured member", () => {
    expect(memberFromPodLabels(clusters, "default", labels("example", "5"))).toEqual({ cluster: "example", member: 5 });
    expect(memberFromPodLabels(clusters, "prod", labels("shared", "1"))).toEqual({ cluster: "shared", member: 1 });
  });

  it("refuses unknown clusters, other namespaces, members out of range and malformed numbers", () => {
    expect(memberFromPodLabels(clusters, "default", labels("other", "1"))).toBeUndefined();
    expect(memberFromPodLabels(clusters, "prod", labels("example", "1"))).toBeUndefined();
    expect(memberFromPodLabels(clusters, "default", labels("example", "6"))).toBeUndefined();
    for (const bad of ["0", "01", "1.0", "-1", "", " 1", "1e0"]) {
      expect(memberFromPodLabels(clusters, "default", labels("example", bad))).toBeUndefined();
    }
    expect(memberFromPodLabels(clusters, "default", { "etcd.responder.io/cluster": "example" })).toBeUndefined();
  });

  it("reads own labels only", () => {
    const inherited = Object.create({
      "etcd.responder.io/cluster": "example",
      "etcd.responder.io/member": "1",
    }) as Record<string, string>;
    expect(memberFromPodLabels(clusters, "default", inherited)).toBeUndefined();
  });
});

describe("podLabelsFromGateway", () => {
  it("reads the labels of a Pod carrying the cluster label, and treats others as missing", async () => {
    const selectors: string[] = [];
    const readPodLabels = podLabelsFromGateway({
      listPods: async (namespace, selector) => {
        selectors.push(`${namespace} ${selector}`);
        return {
          resourceVersion: "7",
          pods: [
            {
              metadata: {
                name: "etcd-renamed",
                labels: { "etcd.responder.io/cluster": "example", "etcd.responder.io/member": "2" },
              },
            },
          ],
        };
      },
    });
    expect(await readPodLabels("default", "etcd-renamed")).toEqual({
      "etcd.responder.io/cluster": "example",
      "etcd.responder.io/member": "2",
    });
    expect(await readPodLabels("default", "gone")).toBeUndefined();
    expect(selectors).toEqual(["default etcd.responder.io/cluster", "default etcd.responder.io/cluster"]);
  });
});
