import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { freePort } from "../../src/util/free-port.js";
import { killOnExit } from "./kill-on-exit.js";

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
  /** SIGTERM by pid, wait for the exit (SIGKILL after 10 s), remove its folder; safe to call twice. */
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 10_000;
const POLL_INTERVAL_MS = 100;
const OUTPUT_TAIL = 8000;


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
  let output = "";
  // Detached: its own process group, so a signal aimed at the test runner's group does not reach it first.
  const child = spawn(PROMETHEUS_BINARY, args, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-OUTPUT_TAIL));
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", reject);
  });
  killOnExit(child);

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await terminate(child, STOP_GRACE_MS);
      await rm(dir, { recursive: true, force: true });
    })());

  try {
    await waitForReady(`${url}/-/ready`, child, options.readyTimeoutMs ?? 30_000, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    pid: child.pid!,
    output: () => output,
    alerts: async () => {
      const response = await fetch(`${url}/api/v1/alerts`, { signal: AbortSignal.timeout(5000) });
      const body = (await response.json()) as { data?: { alerts?: PrometheusAlert[] } };
      return body.data?.alerts ?? [];
    },
    stop,
  };
}

/** Polls `readyURL` until it answers 200, the process exits, or the deadline passes. */
async function waitForReady(readyURL: string, child: ChildProcess, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`prometheus exited (${child.exitCode ?? child.signalCode}) before ${readyURL} answered:\n${output()}`);
    }
    try {
      const response = await fetch(readyURL, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() >= deadline) throw new Error(`prometheus: ${readyURL} did not answer 200 within ${timeoutMs} ms (last: ${last}):\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** SIGTERM, then SIGKILL if the process is still there after `graceMs`; resolves once it has exited. */
async function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const killer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(killer);
}
