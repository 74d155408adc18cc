import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { freePort } from "../../src/util/free-port.js";
import { killOnExit } from "./kill-on-exit.js";
import { repoRoot } from "./tools.js";

/** The Alertmanager binary the tests run (Debian's prometheus-alertmanager package). */
export const ALERTMANAGER_BINARY = process.env.ALERTMANAGER_BINARY ?? "/usr/bin/prometheus-alertmanager";

/** The shipped alertmanager.yml pieces that route crash-loop alerts to etcd-responder. */
export const ALERTMANAGER_SNIPPET = join(repoRoot, "deploy/alertmanager/alertmanager-snippet.yaml");

/** How to start a throw-away Alertmanager that sends the crash-loop alerts to one webhook. */
export interface StartAlertmanagerOptions {
  /** Where the `etcd-responder` receiver posts, e.g. `http://127.0.0.1:P/v1/alerts`. */
  webhookURL: string;
  /** The bearer token it sends, written to a file as `credentials_file` names it. */
  token: string;
  /** The route's `group_wait`; default `0s` (notify as soon as an alert arrives). */
  groupWait?: string;
  /** The route's `group_interval`; default `1s`. */
  groupInterval?: string;
  /** Deadline for `/-/ready` to answer 200, ms; default 30 000. */
  readyTimeoutMs?: number;
}

/** What the generated configuration is made from besides the snippet. */
export interface AlertmanagerConfigInputs {
  webhookURL: string;
  /** The file holding the bearer token. */
  tokenFile: string;
  groupWait: string;
  groupInterval: string;
}

/** An alert as Alertmanager's `/api/v2/alerts` lists it. */
export interface AlertmanagerAlert {
  labels: Record<string, string>;
  fingerprint: string;
  status: { state: string };
  receivers: { name: string }[];
}

/** A running Alertmanager. Call `stop()` in `afterAll`, also when a test failed. */
export interface TestAlertmanager {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  pid: number;
  /** The configuration it runs with (YAML). */
  config: string;
  /** The last lines it logged, for failure messages. */
  output(): string;
  /** The alerts it holds right now. */
  alerts(): Promise<AlertmanagerAlert[]>;
  /** SIGTERM by pid, wait for the exit (SIGKILL after 10 s), remove its folder; safe to call twice. */
  stop(): Promise<void>;
}

/** The root route's receiver: alerts the snippet's route does not take go nowhere. */
const DISCARD_RECEIVER = "discard";
const STOP_GRACE_MS = 10_000;
const POLL_INTERVAL_MS = 100;
const OUTPUT_TAIL = 8000;


interface SnippetRoute {
  receiver: string;
  [key: string]: unknown;
}

interface SnippetReceiver {
  name: string;
  webhook_configs: { url: string; http_config: { authorization: { type?: string; credentials_file?: string; credentials?: string } }; [key: string]: unknown }[];
}

interface Snippet {
  route: { routes: SnippetRoute[] };
  receivers: SnippetReceiver[];
}

/**
 * A whole alertmanager.yml from the snippet: its route under a root route that discards everything else,
 * and its receiver. Only the webhook URL, the token file and the route's group_wait/group_interval differ
 * from the snippet; everything else (matchers, group_by, repeat_interval, send_resolved) is as shipped.
 */
export function renderAlertmanagerConfig(snippetText: string, inputs: AlertmanagerConfigInputs): string {
  const snippet = parse(snippetText) as Snippet;
  const routes = snippet.route.routes.map((route) => ({ ...route, group_wait: inputs.groupWait, group_interval: inputs.groupInterval }));
  const receivers = snippet.receivers.map((receiver) => ({
    ...receiver,
    webhook_configs: receiver.webhook_configs.map((webhook) => ({
      ...webhook,
      url: inputs.webhookURL,
      http_config: {
        ...webhook.http_config,
        authorization: { ...webhook.http_config.authorization, credentials_file: inputs.tokenFile },
      },
    })),
  }));
  return stringify({
    route: { receiver: DISCARD_RECEIVER, routes },
    receivers: [{ name: DISCARD_RECEIVER }, ...receivers],
  });
}

/** Starts Alertmanager on a free loopback port, without HA gossip, and waits until `/-/ready` answers. */
export async function startAlertmanager(options: StartAlertmanagerOptions): Promise<TestAlertmanager> {
  const dir = await mkdtemp(join(tmpdir(), "alertmanager-test-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const tokenFile = join(dir, "token");
  await writeFile(tokenFile, options.token, { mode: 0o600 });
  const config = renderAlertmanagerConfig(readFileSync(ALERTMANAGER_SNIPPET, "utf8"), {
    webhookURL: options.webhookURL,
    tokenFile,
    groupWait: options.groupWait ?? "0s",
    groupInterval: options.groupInterval ?? "1s",
  });
  const configFile = join(dir, "alertmanager.yml");
  await writeFile(configFile, config);
  const args = [
    `--config.file=${configFile}`,
    `--storage.path=${join(dir, "data")}`,
    `--web.listen-address=127.0.0.1:${port}`,
    // Empty: a single Alertmanager, no gossip port.
    "--cluster.listen-address=",
    "--log.level=info",
  ];
  let output = "";
  // Detached: its own process group, so a signal aimed at the test runner's group does not reach it first.
  const child = spawn(ALERTMANAGER_BINARY, args, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
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
    config,
    output: () => output,
    alerts: async () => {
      const response = await fetch(`${url}/api/v2/alerts`, { signal: AbortSignal.timeout(5000) });
      return (await response.json()) as AlertmanagerAlert[];
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
      throw new Error(`alertmanager exited (${child.exitCode ?? child.signalCode}) before ${readyURL} answered:\n${output()}`);
    }
    try {
      const response = await fetch(readyURL, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() >= deadline) throw new Error(`alertmanager: ${readyURL} did not answer 200 within ${timeoutMs} ms (last: ${last}):\n${output()}`);
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
