import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startHarness, type ApiHarness } from "./api-harness.js";
import { openStream, type OpenStream } from "./https-client.js";

const TABLE_ACCEPT =
  "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

describe("watch streams over HTTPS", () => {
  let harness: ApiHarness;
  const streams: OpenStream[] = [];

  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(async () => {
    for (const s of streams.splice(0)) s.close();
    await harness?.close();
  });

  const configMap = (name: string, labels?: Record<string, string>) =>
    harness.store.create("configmaps", {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name, namespace: "default", labels },
    });

  it("streams chunked JSON lines and filters by namespace", async () => {
    const stream = await openStream(harness, "/api/v1/namespaces/default/configmaps?watch=1");
    streams.push(stream);
    expect(stream.status).toBe(200);
    expect(stream.headers["transfer-encoding"]).toBe("chunked");
    harness.store.create("configmaps", {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "elsewhere", namespace: "kube-system" },
    });
    configMap("here");
    await stream.until("the ADDED event", () => stream.events.length >= 1);
    expect(stream.events.map((e) => (e.object.metadata as { name: string }).name)).toEqual(["here"]);
  });

  it("sends bookmarks with the current resourceVersion when asked and idle", async () => {
    configMap("a");
    const stream = await openStream(
      harness,
      `/api/v1/configmaps?watch=true&allowWatchBookmarks=true&resourceVersion=${harness.store.resourceVersion}`,
    );
    streams.push(stream);
    await stream.until("a BOOKMARK", () => stream.events.some((e) => e.type === "BOOKMARK"), 3000);
    const bookmark = stream.events.find((e) => e.type === "BOOKMARK")!;
    expect(bookmark.object).toEqual({
      kind: "ConfigMap",
      apiVersion: "v1",
      metadata: { resourceVersion: harness.store.resourceVersion },
    });
  });

  it("ends the initial events of a watch-list with an annotated BOOKMARK", async () => {
    configMap("a");
    configMap("b");
    const stream = await openStream(
      harness,
      "/api/v1/namespaces/default/configmaps?watch=true&sendInitialEvents=true" +
        "&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true",
    );
    streams.push(stream);
    await stream.until("three events", () => stream.events.length >= 3);
    expect(stream.events.slice(0, 3).map((e) => e.type)).toEqual(["ADDED", "ADDED", "BOOKMARK"]);
    expect(stream.events[2]?.object.metadata).toEqual({
      resourceVersion: harness.store.resourceVersion,
      annotations: { "k8s.io/initial-events-end": "true" },
    });
  });

  it("sends no bookmarks unless asked", async () => {
    const stream = await openStream(harness, "/api/v1/configmaps?watch=true&timeoutSeconds=1");
    streams.push(stream);
    await stream.until("the stream to end after timeoutSeconds", () => stream.ended(), 3000);
    expect(stream.events).toEqual([]);
  });

  it("sends Table rows to kubectl-style watches, with columns only in the first", async () => {
    const stream = await openStream(
      harness,
      `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${harness.store.resourceVersion}`,
      {
        Accept: TABLE_ACCEPT,
      },
    );
    streams.push(stream);
    configMap("one");
    configMap("two");
    await stream.until("two events", () => stream.events.length >= 2);
    const [first, second] = stream.events as unknown as {
      object: { kind: string; columnDefinitions: unknown[]; rows: { cells: unknown[]; object: { kind: string } }[] };
    }[];
    expect(first!.object.kind).toBe("Table");
    expect(first!.object.columnDefinitions.length).toBeGreaterThan(0);
    expect(first!.object.rows[0]?.cells[0]).toBe("one");
    expect(first!.object.rows[0]?.object.kind).toBe("PartialObjectMetadata");
    expect(second!.object.columnDefinitions).toEqual([]);
    expect(second!.object.rows[0]?.cells[0]).toBe("two");
  });

  it("answers a bad resourceVersion with 400 before streaming", async () => {
    const stream = await openStream(harness, "/api/v1/configmaps?watch=true&resourceVersion=abc");
    streams.push(stream);
    expect(stream.status).toBe(400);
  });

  it("closes the watch when the client hangs up", async () => {
    const stream = await openStream(harness, "/api/v1/configmaps?watch=true");
    stream.close();
    await harness.waitForLog("the watch to close", (l) => l.msg === "watch closed" && l.path === "/api/v1/configmaps");
  });
});
