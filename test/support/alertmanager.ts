import { readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { freePort, repoRoot } from "./tools.js";
import { startReadyServer } from "./ready-server-process.js";

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

interface SnippetRoute {
  receiver: string;
  [key: string]: unknown;
}

interface SnippetReceiver {
  name: string;
  webhook_configs: {
    url: string;
    http_config: { authorization: { type?: string; credentials_file?: string; credentials?: string } };
    [key: string]: unknown;
  }[];
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
  const routes = snippet.route.routes.map((route) => ({
    ...route,
    group_wait: inputs.groupWait,
    group_interval: inputs.groupInterval,
  }));
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
  const server = await startReadyServer("alertmanager", ALERTMANAGER_BINARY, args, {
    dir,
    readyURL: `${url}/-/ready`,
    readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
  });
  return {
    url,
    pid: server.child.pid!,
    config,
    output: () => server.output(),
    alerts: async () => {
      const response = await fetch(`${url}/api/v2/alerts`, { signal: AbortSignal.timeout(5000) });
      return (await response.json()) as AlertmanagerAlert[];
    },
    stop: () => server.stop(),
  };
}
