import { describe, expect, it } from "vitest";
import { ObjectStore, type KubeObject, type StoreEvent } from "../../src/api/object-store.js";

function pod(namespace: string, name: string, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace, labels } };
}

describe("ObjectStore.list", () => {
  it("lists one type only, in one namespace when asked, picked by the filter, in name order", () => {
    const store = new ObjectStore();
    store.create("namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "a" } });
    store.create("namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "b" } });
    store.create("pods", pod("a", "two", { app: "etcd" }));
    store.create("pods", pod("a", "one", { app: "etcd" }));
    store.create("pods", pod("a", "other", { app: "web" }));
    store.create("pods", pod("b", "three", { app: "etcd" }));
    store.create("configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "one", namespace: "a" } });
    const names = (objects: KubeObject[]) => objects.map((o) => `${o.metadata.namespace}/${o.metadata.name}`);

    expect(names(store.list("pods"))).toEqual(["a/one", "a/other", "a/two", "b/three"]);
    expect(names(store.list("pods", "a", (o) => o.metadata.labels?.app === "etcd"))).toEqual(["a/one", "a/two"]);
    store.remove("pods", "a", "one");
    expect(names(store.list("pods", "a", (o) => o.metadata.labels?.app === "etcd"))).toEqual(["a/two"]);
  });

  it("hands out copies: changing a listed object changes nothing stored", () => {
    const store = new ObjectStore();
    store.create("namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "a" } });
    store.create("pods", pod("a", "one", { app: "etcd" }));
    const [listed] = store.list("pods", "a", () => true);
    listed!.metadata.labels = { app: "changed" };
    expect(store.get("pods", "a", "one")?.metadata.labels).toEqual({ app: "etcd" });
  });
});

describe("ObjectStore.watch", () => {
  it("tells a watch the changes of its type only, and every subscriber every change", () => {
    const store = new ObjectStore();
    const watched: StoreEvent[] = [];
    const subscribed: StoreEvent[] = [];
    const stopWatch = store.watch("pods", Number(store.resourceVersion), (event) => watched.push(event));
    const stopSubscription = store.subscribe((event) => subscribed.push(event));
    store.create("namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "a" } });
    store.create("pods", pod("a", "one"));
    store.remove("pods", "a", "one");
    stopWatch();
    stopSubscription();
    store.create("pods", pod("a", "two"));

    expect(watched.map((e) => `${e.type} ${e.resource}`)).toEqual(["ADDED pods", "DELETED pods"]);
    expect(subscribed.map((e) => `${e.type} ${e.resource}`)).toEqual([
      "ADDED namespaces",
      "ADDED pods",
      "DELETED pods",
    ]);
  });
});
