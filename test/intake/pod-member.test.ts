import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/core/config/load.js";
import { createPodMembers, podLabelsFromGateway } from "../../src/intake/pod-member.js";
import type { ClusterMember } from "../../src/core/catalog.js";
import { ConfigError } from "../../src/core/errors.js";
import { HttpError } from "../../src/intake/http.js";
import { testConfig } from "../support/intake-harness.js";

/** `name/index` of a lookup's answer, for short assertions. */
const brief = (found: ClusterMember | undefined) => found && `${found.cluster.name}/${found.member.index}`;

describe("createPodMembers", () => {
  it("maps Pods by the name convention without asking Kubernetes, Pods from the past included", async () => {
    const asked: string[] = [];
    const memberOfPod = createPodMembers({
      catalog: testConfig().catalog,
      readPodLabels: (namespace) => {
        asked.push(namespace);
        return Promise.resolve(new Map());
      },
    }).lookup();
    // A Pod of a ReplicaSet replaced long ago: the name alone says which member it was.
    expect(brief(await memberOfPod("default", "example-4-5c8b7f9d6-p9w2z"))).toBe("example/4");
    expect(brief(await memberOfPod("prod", "main-3-7d9f8b6c4d-x2k4q"))).toBe("main/3");
    expect(brief(await memberOfPod("staging", "shared-2-7d9f8b6c4d-x2k4q"))).toBe("shared/2");
    expect(asked).toEqual([]);
  });

  it("follows custom Deployment naming", async () => {
    const config = parseConfig(
      "clusters:\n  - name: kv\n    namespace: data\n    members: 3\n" +
        "    naming:\n      deployment: etcd-{name}-member{index}\n",
      "responder.yaml",
    );
    const memberOfPod = createPodMembers({ catalog: config.catalog }).lookup();
    expect(brief(await memberOfPod("data", "etcd-kv-member2-7d9f8b6c4d-x2k4q"))).toBe("kv/2");
    expect(await memberOfPod("data", "kv-2-7d9f8b6c4d-x2k4q")).toBeUndefined();
  });

  it("falls back to the Pod's labels, read once per namespace and lookup; a missing Pod is no member", async () => {
    const asked: string[] = [];
    const podMembers = createPodMembers({
      catalog: testConfig().catalog,
      readPodLabels: (namespace) => {
        asked.push(namespace);
        return Promise.resolve(
          new Map([["etcd-odd-name", { "etcd.responder.io/cluster": "example", "etcd.responder.io/member": "2" }]]),
        );
      },
    });
    const memberOfPod = podMembers.lookup();
    expect(brief(await memberOfPod("default", "etcd-odd-name"))).toBe("example/2");
    expect(await memberOfPod("default", "gone")).toBeUndefined();
    expect(await memberOfPod("prod", "gone")).toBeUndefined();
    expect(asked).toEqual(["default", "prod"]);
    // A new lookup (the next request) reads again.
    expect(await podMembers.lookup()("default", "gone")).toBeUndefined();
    expect(asked).toEqual(["default", "prod", "default"]);
  });

  it("does not ask Kubernetes about namespaces without configured clusters", async () => {
    let asked = 0;
    const memberOfPod = createPodMembers({
      catalog: testConfig().catalog,
      readPodLabels: () => {
        asked++;
        return Promise.resolve(new Map());
      },
    }).lookup();
    expect(await memberOfPod("kube-system", "coredns-76f75df574-8kq2v")).toBeUndefined();
    expect(asked).toBe(0);
  });

  it("without a label reader, the name convention alone decides", async () => {
    const memberOfPod = createPodMembers({ catalog: testConfig().catalog }).lookup();
    expect(await memberOfPod("default", "nginx-5d8f7c9b6-abcde")).toBeUndefined();
  });
});

describe("podLabelsFromGateway", () => {
  it("reads the labels of the namespace's Pods carrying the cluster label, by name, in one LIST", async () => {
    const selectors: string[] = [];
    const readPodLabels = podLabelsFromGateway(() =>
      Promise.resolve({
        listPods: (namespace: string, selector: string) => {
          selectors.push(`${namespace} ${selector}`);
          return Promise.resolve({
            resourceVersion: "7",
            pods: [
              {
                metadata: {
                  name: "etcd-renamed",
                  labels: { "etcd.responder.io/cluster": "example", "etcd.responder.io/member": "2" },
                },
              },
            ],
          });
        },
      }),
    );
    expect(await readPodLabels("default")).toEqual(
      new Map([["etcd-renamed", { "etcd.responder.io/cluster": "example", "etcd.responder.io/member": "2" }]]),
    );
    expect(selectors).toEqual(["default etcd.responder.io/cluster"]);
  });

  it("answers 503 naming the namespace and the kubeconfig's problem when there is no client", async () => {
    let loads = 0;
    const readPodLabels = podLabelsFromGateway(() => {
      loads++;
      return Promise.reject(
        new ConfigError("KUBECONFIG=/etc/kube/config", { keyPath: "", message: "not valid YAML: bad indentation" }),
      );
    });
    const refusal = await readPodLabels("etcd").catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(HttpError);
    expect(refusal).toMatchObject({
      status: 503,
      message:
        "cannot read the labels of the Pods in etcd: KUBECONFIG=/etc/kube/config: not valid YAML: bad indentation",
    });
    await readPodLabels("etcd").catch(() => undefined);
    expect(loads, "a failed load is tried again at the next read").toBe(2);
  });
});
