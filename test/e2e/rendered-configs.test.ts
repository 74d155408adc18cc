import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ALERTMANAGER_SNIPPET, renderAlertmanagerConfig } from "../support/alertmanager.js";
import { renderPrometheusConfig } from "../support/prometheus.js";
import { readDeployRules, renderRules, withoutPendingPeriod } from "../support/crash-loop-rule.js";

type Tree = Record<string, unknown>;

describe("the configurations the end-to-end tests run Prometheus and Alertmanager with", () => {
  it("keep the shipped rule but for `for:`", async () => {
    const shipped = await readDeployRules();
    const rendered = parse(renderRules(withoutPendingPeriod(shipped))) as typeof shipped;
    const rules = rendered.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.for)).toEqual(["0s"]);
    const dropFor = (file: typeof shipped) =>
      file.groups.map((g) => ({ ...g, rules: g.rules.map(({ for: _, ...rest }) => rest) }));
    expect(dropFor(rendered)).toEqual(dropFor(shipped));
    expect(shipped.groups[0]!.rules[0]!.for).toBe("1m");
  });

  it("keep the shipped Alertmanager route and receiver but for the URL, token file and group timing", async () => {
    const snippetText = await readFile(ALERTMANAGER_SNIPPET, "utf8");
    const snippet = parse(snippetText) as Tree;
    const config = parse(
      renderAlertmanagerConfig(snippetText, {
        webhookURL: "http://127.0.0.1:1234/v1/alerts",
        tokenFile: "token-file",
        groupWait: "0s",
        groupInterval: "1s",
      }),
    ) as Tree;

    const route = config.route as { receiver: string; routes: Tree[] };
    const receivers = config.receivers as Tree[];
    // Alerts the shipped route does not take go to a receiver that sends nothing.
    expect(route.receiver).toBe("discard");
    expect(receivers[0]).toEqual({ name: "discard" });

    const shippedRoute = (snippet.route as { routes: Tree[] }).routes[0]!;
    expect(route.routes).toEqual([{ ...shippedRoute, group_wait: "0s", group_interval: "1s" }]);
    expect(shippedRoute.group_wait).toBe("10s");

    const shippedReceiver = (snippet.receivers as Tree[])[0] as { webhook_configs: Tree[] };
    const shippedWebhook = shippedReceiver.webhook_configs[0] as { http_config: { authorization: Tree } };
    expect(receivers[1]).toEqual({
      ...shippedReceiver,
      webhook_configs: [
        {
          ...shippedWebhook,
          url: "http://127.0.0.1:1234/v1/alerts",
          http_config: {
            authorization: { ...shippedWebhook.http_config.authorization, credentials_file: "token-file" },
          },
        },
      ],
    });
  });

  it("scrape the metrics endpoint as job kube-state-metrics and send alerts to the one Alertmanager", () => {
    const config = parse(
      renderPrometheusConfig({
        scrapeURL: "http://127.0.0.1:4000/metrics",
        rulesFile: "rules.yaml",
        alertmanagerURL: "http://127.0.0.1:5000",
      }),
    ) as Tree;
    expect(config.global).toEqual({ scrape_interval: "1s", scrape_timeout: "1s", evaluation_interval: "1s" });
    expect(config.rule_files).toEqual(["rules.yaml"]);
    expect(config.scrape_configs).toEqual([
      {
        job_name: "kube-state-metrics",
        scheme: "http",
        metrics_path: "/metrics",
        honor_labels: true,
        static_configs: [{ targets: ["127.0.0.1:4000"] }],
      },
    ]);
    expect(config.alerting).toEqual({
      alertmanagers: [
        { scheme: "http", path_prefix: "/", api_version: "v2", static_configs: [{ targets: ["127.0.0.1:5000"] }] },
      ],
    });
  });
});
