import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/core/config/load.js";
import { repoRoot } from "../support/tools.js";
import { at, findObject, objectsOfKind, renderChart, type KubeObject } from "../support/helm-chart.js";

const RULE_FILE = join(repoRoot, "deploy/prometheus/etcd-crashloop-rule.yaml");
const SNIPPET_FILE = join(repoRoot, "deploy/alertmanager/alertmanager-snippet.yaml");

interface RuleGroup {
  name: string;
  rules: {
    alert: string;
    expr: string;
    for: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  }[];
}

/**
 * Runs promtool or amtool (installed with the Debian prometheus packages); resolves with the output, rejects
 * with it.
 */
async function tool(command: string, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await promisify(execFile)(command, args, { timeout: 30_000 });
    return stdout + stderr;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(" ")} failed:\n${failed.stdout ?? ""}${failed.stderr ?? String(error)}`, {
      cause: error,
    });
  }
}

/** One kube-state-metrics series of a waiting container, for promtool's unit tests. */
const waiting = (namespace: string, pod: string, reason = "CrashLoopBackOff") =>
  `kube_pod_container_status_waiting_reason{job="kube-state-metrics", namespace="${namespace}", pod="${pod}", ` +
  `container="etcd", reason="${reason}"}`;

describe("monitoring", () => {
  let dir: string;
  let defaults: KubeObject[];
  let multi: KubeObject[];
  let allMode: KubeObject[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "etcd-responder-rules-"));
    const on = [
      "prometheusRule.enabled=true",
      "alertmanagerConfig.enabled=true",
      "serviceMonitor.enabled=true",
      "networkPolicy.enabled=true",
      "podDisruptionBudget.enabled=true",
    ];
    [defaults, multi, allMode] = await Promise.all([
      renderChart({ set: on }),
      renderChart({ values: ["chart/ci/multi-namespace-values.yaml"] }),
      renderChart({ values: ["chart/ci/all-mode-values.yaml"] }),
    ]);
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("renders the PrometheusRule exactly as the plain rules file in deploy/prometheus", async () => {
    const file = parse(await readFile(RULE_FILE, "utf8")) as { groups: RuleGroup[] };
    const rule = findObject(defaults, "PrometheusRule", "etcd-responder");
    expect(at(rule, "spec", "groups")).toEqual(file.groups);
    expect(file.groups[0]!.rules[0]!.expr).toBe(
      "max_over_time(kube_pod_container_status_waiting_reason" +
        '{reason="CrashLoopBackOff", namespace=~"default", pod=~"example-[0-9]+-.*|example-[0-9]+"}[5m]) >= 1',
    );
    expect(file.groups[0]!.rules[0]!.for).toBe("1m");
  });

  it("fires for a crash-looping member of a managed cluster after `for`, and for nothing else", async () => {
    await tool("promtool", ["check", "rules", RULE_FILE]);
    const member = "example-3-7c5f7d6568-9m9sr";
    // A StatefulSet's Pod of the cluster; Prometheus anchors the pattern, so look-alikes stay quiet.
    const ordinal = "example-2";
    const alertAbout = (pod: string) => ({
      exp_labels: {
        severity: "warning",
        job: "kube-state-metrics",
        namespace: "default",
        pod,
        container: "etcd",
        reason: "CrashLoopBackOff",
      },
      exp_annotations: {
        summary: `etcd member Pod default/${pod} is crash-looping`,
        description: `Container etcd of default/${pod} waits in CrashLoopBackOff; etcd-responder recovers the member.`,
      },
    });
    const tests = {
      rule_files: [RULE_FILE],
      evaluation_interval: "30s",
      tests: [
        {
          interval: "30s",
          input_series: [
            { series: waiting("default", member), values: "1x10" },
            { series: waiting("default", ordinal), values: "1x10" },
            { series: waiting("default", "web-1-5d4f8b7c9-abcde"), values: "1x10" },
            { series: waiting("other", "example-2-5d4f8b7c9-abcde"), values: "1x10" },
            { series: waiting("other", "example-2"), values: "1x10" },
            { series: waiting("default", "example-4-5d4f8b7c9-abcde", "ContainerCreating"), values: "1x10" },
            ...["example-redis-0", "example-2x", "exampleX-1"].map((pod) => ({
              series: waiting("default", pod),
              values: "1x10",
            })),
          ],
          alert_rule_test: [
            { eval_time: "30s", alertname: "KubePodCrashLooping", exp_alerts: [] },
            {
              eval_time: "2m",
              alertname: "KubePodCrashLooping",
              exp_alerts: [alertAbout(member), alertAbout(ordinal)],
            },
          ],
        },
      ],
    };
    const testFile = join(dir, "crashloop-test.yaml");
    await writeFile(testFile, stringify(tests));
    expect(await tool("promtool", ["test", "rules", testFile])).toContain("SUCCESS");
  });

  it("alerts on every configured cluster, each by its own namespace and Deployment names", async () => {
    const rule = findObject(multi, "PrometheusRule", "etcd-responder");
    const rulesFile = join(dir, "multi-rules.yaml");
    await writeFile(rulesFile, stringify({ groups: at(rule, "spec", "groups") }));
    const alert = (namespace: string, pod: string) => ({
      exp_labels: {
        severity: "warning",
        job: "kube-state-metrics",
        namespace,
        pod,
        container: "etcd",
        reason: "CrashLoopBackOff",
      },
      exp_annotations: {
        summary: `etcd member Pod ${namespace}/${pod} is crash-looping`,
        description:
          `Container etcd of ${namespace}/${pod} waits in CrashLoopBackOff; ` + "etcd-responder recovers the member.",
      },
    });
    const tests = {
      rule_files: [rulesFile],
      tests: [
        {
          interval: "30s",
          input_series: [
            { series: waiting("shop", "orders-2-5d4f8b7c9-abcde"), values: "1x10" },
            { series: waiting("platform", "etcd-main-1-5d4f8b7c9-abcde"), values: "1x10" },
            // A cluster's name in another cluster's namespace is not that cluster.
            { series: waiting("platform", "orders-2-5d4f8b7c9-abcde"), values: "1x10" },
            { series: waiting("platform", "main-1-5d4f8b7c9-abcde"), values: "1x10" },
          ],
          alert_rule_test: [
            {
              eval_time: "2m",
              alertname: "KubePodCrashLooping",
              exp_alerts: [alert("shop", "orders-2-5d4f8b7c9-abcde"), alert("platform", "etcd-main-1-5d4f8b7c9-abcde")],
            },
          ],
        },
      ],
    };
    const testFile = join(dir, "multi-test.yaml");
    await writeFile(testFile, stringify(tests));
    await tool("promtool", ["check", "rules", rulesFile]);
    expect(await tool("promtool", ["test", "rules", testFile])).toContain("SUCCESS");
  });

  it("routes the alert of the managed namespaces to the receiver with the token from the chart's Secret", () => {
    const config = findObject(defaults, "AlertmanagerConfig", "etcd-responder", "monitoring.coreos.com/v1alpha1");
    expect(at(config, "spec", "route", "matchers")).toEqual([
      { name: "alertname", matchType: "=~", value: "KubePodCrashLooping" },
      { name: "namespace", matchType: "=~", value: "default" },
    ]);
    const [webhook] = at(config, "spec", "receivers", 0, "webhookConfigs") as {
      url: string;
      sendResolved: boolean;
      httpConfig: unknown;
    }[];
    expect(webhook!.sendResolved).toBe(true);
    // The URL names the receiver's Service and port.
    const service = findObject(defaults, "Service", "etcd-responder");
    const port = (at(service, "spec", "ports", 0, "port") as number).toString();
    expect(webhook!.url).toBe(`http://${service.metadata.name}.${service.metadata.namespace}.svc:${port}/v1/alerts`);
    const secret = findObject(defaults, "Secret", "etcd-responder-auth");
    expect(webhook!.httpConfig).toEqual({
      authorization: { type: "Bearer", credentials: { name: secret.metadata.name, key: "token" } },
    });
    expect(Object.keys(secret.data as object)).toEqual(["token"]);
    const multiMatchers = at(findObject(multi, "AlertmanagerConfig", "etcd-responder"), "spec", "route", "matchers");
    expect(multiMatchers).toContainEqual({ name: "namespace", matchType: "=~", value: "default|platform|shop" });
  });

  it("raises and routes alerts with the names the receiver acts on by default", () => {
    const configMap = findObject(defaults, "ConfigMap", "etcd-responder");
    const { service } = parseConfig((configMap.data as Record<string, string>)["config.yaml"]!, "config.yaml");
    const rule = findObject(defaults, "PrometheusRule", "etcd-responder");
    expect(service.alertNames).toContain(at(rule, "spec", "groups", 0, "rules", 0, "alert"));
    const matchers = at(findObject(defaults, "AlertmanagerConfig", "etcd-responder"), "spec", "route", "matchers") as {
      name: string;
      value: string;
    }[];
    expect(matchers.find((m) => m.name === "alertname")!.value.split("|")).toEqual(service.alertNames);
  });

  it("matches the alertmanager.yml snippet in deploy/alertmanager, which amtool accepts", async () => {
    const snippet = parse(await readFile(SNIPPET_FILE, "utf8")) as {
      route: { routes: Record<string, unknown>[] };
      receivers: { name: string; webhook_configs: { url: string; send_resolved: boolean; http_config: unknown }[] }[];
    };
    const route = snippet.route.routes[0]!;
    const chartRoute = at(findObject(defaults, "AlertmanagerConfig", "etcd-responder"), "spec", "route") as Record<
      string,
      unknown
    >;
    expect(route.matchers).toEqual(['alertname = "KubePodCrashLooping"', 'namespace =~ "default"']);
    expect([route.group_by, route.group_wait, route.group_interval, route.repeat_interval]).toEqual([
      chartRoute.groupBy,
      chartRoute.groupWait,
      chartRoute.groupInterval,
      chartRoute.repeatInterval,
    ]);
    const [webhook] = snippet.receivers[0]!.webhook_configs;
    const chartWebhook = at(
      findObject(defaults, "AlertmanagerConfig", "etcd-responder"),
      "spec",
      "receivers",
      0,
      "webhookConfigs",
      0,
      "url",
    );
    expect(webhook!.url).toBe(chartWebhook);
    expect(webhook!.send_resolved).toBe(true);
    expect(webhook!.http_config).toEqual({
      authorization: { type: "Bearer", credentials_file: "/etc/alertmanager/secrets/etcd-responder/token" },
    });
    // A whole alertmanager.yml: a default route and receiver, with the snippet merged in.
    const whole = {
      route: { receiver: "default", routes: snippet.route.routes },
      receivers: [{ name: "default" }, ...snippet.receivers],
    };
    const configFile = join(dir, "alertmanager.yml");
    await writeFile(configFile, stringify(whole));
    expect(await tool("amtool", ["check-config", configFile])).toContain("SUCCESS");
  });

  it("scrapes the receiver's and the worker's /metrics once each, on ports their Services have", () => {
    for (const objects of [defaults, allMode]) {
      const monitor = findObject(objects, "ServiceMonitor", "etcd-responder");
      const selector = at(monitor, "spec", "selector", "matchLabels") as Record<string, string>;
      const endpoints = (at(monitor, "spec", "endpoints") as { port: string; path: string }[]).map(
        (e) => `${e.port} ${e.path}`,
      );
      const scraped = objectsOfKind(objects, "Service")
        .filter((s) => Object.entries(selector).every(([k, v]) => s.metadata.labels?.[k] === v))
        .flatMap((s) =>
          (at(s, "spec", "ports") as { name: string }[])
            .filter((p) => endpoints.includes(`${p.name} /metrics`))
            .map((p) => `${s.metadata.name}:${p.name}`),
        );
      const processes = objectsOfKind(objects, "Deployment").length;
      expect(scraped).toHaveLength(processes);
    }
  });

  it("lets in Alertmanager and Prometheus only, and lets out DNS, the API server, etcd and Redis", () => {
    const policy = findObject(defaults, "NetworkPolicy", "etcd-responder");
    expect(at(policy, "spec", "policyTypes")).toEqual(["Ingress", "Egress"]);
    const ingress = at(policy, "spec", "ingress") as { ports: { port: string | number }[]; from?: unknown[] }[];
    expect(ingress.map((rule) => rule.ports.map((p) => p.port))).toEqual([["http"], ["http", "metrics"]]);
    expect(ingress.every((rule) => (rule.from ?? []).length > 0)).toBe(true);
    const egress = at(policy, "spec", "egress") as { ports: { port: number }[]; to?: unknown[] }[];
    expect(egress.map((rule) => rule.ports.map((p) => p.port))).toEqual([[53, 53], [443, 6443], [2379], [6379]]);
    expect(egress[2]!.to).toEqual([
      {
        namespaceSelector: {
          matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["default"] }],
        },
      },
    ]);
    const redisPolicy = findObject(defaults, "NetworkPolicy", "etcd-responder-redis");
    expect(at(redisPolicy, "spec", "egress")).toEqual([]);
  });

  it("budgets disruptions per Deployment, selecting exactly its Pods", () => {
    for (const objects of [defaults, allMode]) {
      const deployments = objectsOfKind(objects, "Deployment");
      const budgets = objectsOfKind(objects, "PodDisruptionBudget");
      expect(budgets).toHaveLength(deployments.length);
      for (const deployment of deployments) {
        const selector = at(deployment, "spec", "selector", "matchLabels");
        expect(
          budgets.filter((b) => JSON.stringify(at(b, "spec", "selector", "matchLabels")) === JSON.stringify(selector)),
        ).toHaveLength(1);
      }
    }
  });
});
