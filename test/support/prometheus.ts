import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { freePort } from "./tools.js";
import { startReadyServer } from "./ready-server-process.js";

/** The Prometheus binary the tests run (Debian's prometheus package). */
export const PROMETHEUS_BINARY = process.env.PROMETHEUS_BINARY ?? "/usr/bin/prometheus";

/** How to start a throw-away Prometheus that scrapes one endpoint and sends its alerts to one Alertmanager. */
export interface StartPrometheusOptions {
  /** The kube-state-metrics endpoint to scrape, `http://127.0.0.1:P/metrics`; scraped as job `kube-state-metrics`. */
  scrapeURL: string;
  /** The alerting rules file to load. */
  rulesFile: string;
  /** Seconds between scrapes; default 1. */
  scrapeIntervalSeconds?: number;
  /** Seconds between rule evaluations; default 1. */
  evaluationIntervalSeconds?: number;
  /** The Alertmanager firing alerts go to, `http://127.0.0.1:P`. */
  alertmanagerURL: string;
  /** Deadline for `/-/ready` to answer 200, ms; default 30 000. */
  readyTimeoutMs?: number;
  /** More scrape jobs, written as given after the kube-state-metrics one (e.g. a ServiceMonitor's). */
  extraScrapeConfigs?: unknown[];
}

/** An alert as Prometheus's `/api/v1/alerts` lists it. */
export interface PrometheusAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** `pending` (waiting out `for:`) or `firing`. */
  state: string;
  activeAt: string;
}

/** A running Prometheus. Call `stop()` in `afterAll`, also when a test failed. */
export interface TestPrometheus {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  pid: number;
  /** The last lines it logged, for failure messages. */
  output(): string;
  /** The alerts its rules hold right now, pending or firing. */
  alerts(): Promise<PrometheusAlert[]>;
  /** The series an instant query of `expr` answers now, by their labels. */
  query(expr: string): Promise<Record<string, string>[]>;
  /** SIGTERM by pid, wait for the exit (SIGKILL after 10 s), remove its folder; safe to call twice. */
  stop(): Promise<void>;
}

/** The prometheus.yml of a test Prometheus: one scrape job, the rules file, one Alertmanager. */
export function renderPrometheusConfig(options: StartPrometheusOptions): string {
  const scrape = new URL(options.scrapeURL);
  const alertmanager = new URL(options.alertmanagerURL);
  return stringify({
    global: {
      scrape_interval: `${options.scrapeIntervalSeconds ?? 1}s`,
      scrape_timeout: `${options.scrapeIntervalSeconds ?? 1}s`,
      evaluation_interval: `${options.evaluationIntervalSeconds ?? 1}s`,
    },
    rule_files: [options.rulesFile],
    scrape_configs: [
      {
        job_name: "kube-state-metrics",
        scheme: scrape.protocol.replace(":", ""),
        metrics_path: scrape.pathname,
        // kube-state-metrics' own namespace and pod labels describe the Pod, as kube-prometheus scrapes it.
        honor_labels: true,
        static_configs: [{ targets: [scrape.host] }],
      },
      ...(options.extraScrapeConfigs ?? []),
    ],
    alerting: {
      alertmanagers: [
        {
          scheme: alertmanager.protocol.replace(":", ""),
          path_prefix: alertmanager.pathname,
          api_version: "v2",
          static_configs: [{ targets: [alertmanager.host] }],
        },
      ],
    },
  });
}

/** Starts Prometheus on a free loopback port with a generated configuration and waits until `/-/ready` answers. */
export async function startPrometheus(options: StartPrometheusOptions): Promise<TestPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), "prometheus-test-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const configFile = join(dir, "prometheus.yml");
  await writeFile(configFile, renderPrometheusConfig(options));
  const args = [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(dir, "data")}`,
    `--web.listen-address=127.0.0.1:${port}`,
    // Resent alerts keep Alertmanager's view fresh; the default of 1m is longer than a test.
    "--rules.alert.resend-delay=1s",
    "--log.level=info",
  ];
  const server = await startReadyServer("prometheus", PROMETHEUS_BINARY, args, {
    dir,
    readyURL: `${url}/-/ready`,
    readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
  });
  return {
    url,
    pid: server.child.pid!,
    output: () => server.output(),
    alerts: async () => {
      const response = await fetch(`${url}/api/v1/alerts`, { signal: AbortSignal.timeout(5000) });
      const body = (await response.json()) as { data?: { alerts?: PrometheusAlert[] } };
      return body.data?.alerts ?? [];
    },
    query: async (expr) => {
      const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: expr }).toString()}`, {
        signal: AbortSignal.timeout(5000),
      });
      const body = (await response.json()) as { data?: { result?: { metric: Record<string, string> }[] } };
      return (body.data?.result ?? []).map((series) => series.metric);
    },
    stop: () => server.stop(),
  };
}
