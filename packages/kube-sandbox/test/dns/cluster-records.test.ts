import type { Answer, Question } from "dns-packet";
import { describe, expect, it } from "vitest";
import { ObjectStore } from "../../src/api/object-store.js";
import { answerFromCluster } from "../../src/dns/cluster-records.js";

const ready = [{ type: "Ready", status: "True" }];

/** A store with a ClusterIP Service, a headless one selecting three Pods (one not ready), an ExternalName. */
function cluster(): ObjectStore {
  const store = new ObjectStore();
  store.create("namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "team" } });
  store.create("services", {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "example3", namespace: "team" },
    spec: { clusterIP: "10.96.0.13", selector: { app: "etcd" }, ports: [{ name: "client", port: 2379 }] },
  });
  store.create("services", {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "etcd-headless", namespace: "team" },
    spec: { clusterIP: "None", selector: { app: "etcd" }, ports: [{ name: "peer", port: 2380, protocol: "TCP" }] },
  });
  store.create("services", {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "upstream", namespace: "team" },
    spec: { type: "ExternalName", externalName: "example.org." },
  });
  for (const [name, ip, isReady] of [
    ["etcd-0", "10.244.0.10", true],
    ["etcd-1", "10.244.0.11", true],
    ["etcd-2", "10.244.0.12", false],
  ] as const) {
    store.create("pods", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: "team", labels: { app: "etcd" } },
      spec: { hostname: name, subdomain: "etcd-headless" },
      status: { podIP: ip, conditions: isReady ? ready : [] },
    });
  }
  return store;
}

/** The data of an answer record. */
const dataOf = (answer: Answer): unknown => (answer as { data?: unknown }).data;

const ask = (store: ObjectStore, name: string, type: Question["type"] = "A") =>
  answerFromCluster(store, { name, type });

describe("the cluster DNS records", () => {
  it("answers a Service's cluster IP, in any case and with a trailing dot", () => {
    const answer = ask(cluster(), "Example3.team.svc.cluster.local.");
    expect(answer).toMatchObject({ rcode: "NOERROR", answers: [{ type: "A", data: "10.96.0.13", ttl: 5 }] });
  });

  it("answers a headless Service with its ready Pods, and each Pod by hostname and subdomain", () => {
    const store = cluster();
    expect(ask(store, "etcd-headless.team.svc.cluster.local").answers.map(dataOf)).toEqual([
      "10.244.0.10",
      "10.244.0.11",
    ]);
    expect(ask(store, "etcd-1.etcd-headless.team.svc.cluster.local").answers).toMatchObject([
      { name: "etcd-1.etcd-headless.team.svc.cluster.local", data: "10.244.0.11" },
    ]);
    // Not ready: not published, unless the Service says so.
    expect(ask(store, "etcd-2.etcd-headless.team.svc.cluster.local").rcode).toBe("NXDOMAIN");
    const headless = store.get("services", "team", "etcd-headless")!;
    store.update("services", { ...headless, spec: { ...(headless.spec as object), publishNotReadyAddresses: true } });
    expect(ask(store, "etcd-2.etcd-headless.team.svc.cluster.local").answers).toHaveLength(1);
  });

  it("answers SRV records for named ports", () => {
    const store = cluster();
    expect(ask(store, "_client._tcp.example3.team.svc.cluster.local", "SRV").answers).toMatchObject([
      { type: "SRV", data: { port: 2379, target: "example3.team.svc.cluster.local" } },
    ]);
    expect(
      ask(store, "_peer._tcp.etcd-headless.team.svc.cluster.local", "SRV").answers.map(
        (a) => (dataOf(a) as { target: string }).target,
      ),
    ).toEqual(["etcd-0.etcd-headless.team.svc.cluster.local", "etcd-1.etcd-headless.team.svc.cluster.local"]);
    expect(ask(store, "_peer._udp.etcd-headless.team.svc.cluster.local", "SRV").rcode).toBe("NXDOMAIN");
  });

  it("answers an ExternalName Service with a CNAME and never resolves its target", () => {
    expect(ask(cluster(), "upstream.team.svc.cluster.local")).toMatchObject({
      rcode: "NOERROR",
      answers: [{ type: "CNAME", data: "example.org" }],
    });
  });

  it("says NXDOMAIN for missing names of the zone, with the zone's SOA, and no data for other types", () => {
    const store = cluster();
    for (const name of ["nothing.team.svc.cluster.local", "example3.other.svc.cluster.local", "x.pod.cluster.local"]) {
      const answer = ask(store, name);
      expect(answer.rcode, name).toBe("NXDOMAIN");
      expect(answer.authority, name).toMatchObject([{ type: "SOA", name: "cluster.local" }]);
    }
    expect(ask(store, "example3.team.svc.cluster.local", "AAAA")).toMatchObject({ rcode: "NOERROR", answers: [] });
    expect(ask(store, "team.svc.cluster.local").rcode).toBe("NOERROR");
    expect(ask(store, "nowhere.svc.cluster.local").rcode).toBe("NXDOMAIN");
  });

  it("refuses every name outside the zone, so nothing is ever looked up elsewhere", () => {
    for (const name of ["example.org", "example3", "example3.team", "cluster.local.evil.org", "local"]) {
      expect(ask(cluster(), name)).toEqual({ rcode: "REFUSED", answers: [], authority: [] });
    }
  });

  it("serves another zone when told to", () => {
    expect(
      answerFromCluster(cluster(), { name: "example3.team.svc.k8s.test", type: "A" }, { zone: "k8s.test" }),
    ).toMatchObject({ answers: [{ data: "10.96.0.13" }] });
  });
});
