import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isMap, isScalar, isSeq, parseDocument, type Node, type Pair } from "yaml";
import { describe, expect, it } from "vitest";
import { CHART_DIR, renderChart, runHelm } from "../support/helm-chart.js";

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  definitions?: Record<string, JsonSchema>;
  $ref?: string;
  $comment?: string;
};

const schema = JSON.parse(readFileSync(join(CHART_DIR, "values.schema.json"), "utf8")) as JsonSchema & {
  $schema: string;
};

/** Renders with `--set` assignments and returns helm's exit code and error output. */
async function templateWith(...settings: string[]) {
  const run = await runHelm(["template", "etcd-responder", "chart", ...settings.flatMap((s) => ["--set", s])]);
  return { code: run.code, stderr: run.stderr };
}

describe("values.schema.json", () => {
  it("rejects a misspelt top-level key, naming it", async () => {
    const { code, stderr } = await templateWith("replicaCont=2");
    expect(code).not.toBe(0);
    expect(stderr).toContain("Additional property replicaCont is not allowed");
  });

  it("rejects misspelt nested keys, in maps and in list items, naming each", async () => {
    const { code, stderr } = await templateWith(
      "receiver.replicaz=2",
      "serviceMonitor.enabeld=true",
      "serverless.keda.redis.adress=x:1",
    );
    expect(code).not.toBe(0);
    expect(stderr).toContain("receiver: Additional property replicaz is not allowed");
    expect(stderr).toContain("serviceMonitor: Additional property enabeld is not allowed");
    expect(stderr).toContain("serverless.keda.redis: Additional property adress is not allowed");
    const list = await runHelm([
      "template",
      "etcd-responder",
      "chart",
      "--set-json",
      'config.clusters=[{"name":"a","members":3,"namespce":"x"}]',
    ]);
    expect(list.code).not.toBe(0);
    expect(list.stderr).toContain("config.clusters.0: Additional property namespce is not allowed");
  });

  it("rejects values of the wrong kind", async () => {
    const { code, stderr } = await templateWith(
      "mode=both",
      "config.clusters[0].name=Bad_Name",
      "config.clusters[0].members=10",
    );
    expect(code).not.toBe(0);
    expect(stderr).toContain("mode must be one of the following");
    expect(stderr).toMatch(/config\.clusters\.0\.name: Does not match pattern/);
    expect(stderr).toMatch(/config\.clusters\.0\.members: Must be less than or equal to 9/);
  });

  it("takes a cluster's statefulSet by name, and rejects one without a name or with a misspelt key", async () => {
    const cluster = (statefulSet: object) =>
      `config.clusters=${JSON.stringify([{ name: "milvus", members: 3, statefulSet }])}`;
    const good = await runHelm([
      "template",
      "etcd-responder",
      "chart",
      "--set-json",
      cluster({ name: "milvus-etcd", serviceName: "milvus-etcd-headless", volumeClaimTemplate: "data" }),
    ]);
    expect(good.stderr).toBe("");
    expect(good.code).toBe(0);
    const bad = await runHelm([
      "template",
      "etcd-responder",
      "chart",
      "--set-json",
      cluster({ serviceName: "milvus-etcd-headless", volumeClaimTemplat: "data" }),
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("config.clusters.0.statefulSet: name is required");
    expect(bad.stderr).toContain(
      "config.clusters.0.statefulSet: Additional property volumeClaimTemplat is not allowed",
    );
  });

  it("checks notification targets: their keys, format and events, and the clusters' target names", async () => {
    const targets = (target: object) => `notifications.targets=${JSON.stringify([target])}`;
    const bad = await runHelm([
      "template",
      "etcd-responder",
      "chart",
      "--set-json",
      targets({ name: "On_Call", format: "teams", urlFile: "/x", events: ["crashed"] }),
      "--set-json",
      'config.clusters=[{"name":"a","members":3,"notifications":["Bad Name"]}]',
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/notifications\.targets\.0\.name: Does not match pattern/);
    expect(bad.stderr).toContain("notifications.targets.0.format must be one of the following");
    expect(bad.stderr).toContain("notifications.targets.0: Additional property urlFile is not allowed");
    expect(bad.stderr).toContain("notifications.targets.0.events.0 must be one of the following");
    expect(bad.stderr).toMatch(/config\.clusters\.0\.notifications\.0: Does not match pattern/);
    const good = await runHelm([
      "template",
      "etcd-responder",
      "chart",
      "--set-json",
      targets({ name: "oncall", format: "slack", existingSecret: "oncall-webhook", events: ["failed"] }),
    ]);
    expect(good.stderr).toBe("");
    expect(good.code).toBe(0);
  });

  it("accepts the chart's own default values", async () => {
    await expect(renderChart()).resolves.not.toHaveLength(0);
  });

  it("is draft-07 and closes every object: no key the chart does not know gets through", () => {
    expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#");
    const open: string[] = [];
    const visit = (node: JsonSchema, path: string) => {
      const types = Array.isArray(node.type) ? node.type : [node.type];
      if (types.includes("object")) {
        const additional = node.additionalProperties;
        // Closed (false), a map whose values have a schema, or a Kubernetes object passed through and said so.
        const passedThrough = additional === true && /passed through/.test(node.$comment ?? "");
        if (additional !== false && typeof additional !== "object" && !passedThrough) open.push(path || "(root)");
      }
      for (const [key, child] of Object.entries(node.properties ?? {})) visit(child, `${path}.${key}`);
      if (typeof node.additionalProperties === "object") visit(node.additionalProperties, `${path}.*`);
      if (node.items) visit(node.items, `${path}[]`);
      for (const [key, child] of Object.entries(node.definitions ?? {})) visit(child, `#/definitions/${key}`);
    };
    visit(schema, "");
    expect(open).toEqual([]);
  });
});

describe("values.yaml", () => {
  const document = parseDocument(readFileSync(join(CHART_DIR, "values.yaml"), "utf8"));

  it("has a comment on every key", () => {
    const uncommented: string[] = [];
    const visit = (node: Node | null | undefined, path: string, inheritedComment: boolean) => {
      if (isMap(node)) {
        node.items.forEach((pair: Pair, index) => {
          const key = isScalar(pair.key) ? String(pair.key.value) : "?";
          const keyNode = pair.key as Node & { commentBefore?: string | null };
          const value = pair.value as (Node & { comment?: string | null; commentBefore?: string | null }) | null;
          // The comment above a map's first key is attached to the map (or the list item) holding it.
          const commented =
            Boolean(keyNode.commentBefore) ||
            Boolean(value && isScalar(value) && value.comment) ||
            (index === 0 && inheritedComment);
          if (!commented) uncommented.push(`${path}${key}`);
          visit(value, `${path}${key}.`, Boolean(value?.commentBefore));
        });
      } else if (isSeq(node)) {
        // The comment above a list's first item is attached to the list.
        node.items.forEach((item, index) => {
          const itemComment = Boolean((item as Node & { commentBefore?: string | null }).commentBefore);
          visit(item as Node, `${path}${index}.`, itemComment || (index === 0 && Boolean(node.commentBefore)));
        });
      }
    };
    visit(
      document.contents,
      "",
      Boolean(document.commentBefore) ||
        Boolean((document.contents as Node & { commentBefore?: string | null })?.commentBefore),
    );
    expect(uncommented).toEqual([]);
  });
});
