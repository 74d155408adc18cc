import { parseConfig, type ResponderConfig } from "../../src/core/config/load.js";
import type { AuthSettings } from "../../src/intake/auth.js";
import { createIntakeApp } from "../../src/intake/app.js";
import { createPodMembers, type ReadPodLabels } from "../../src/intake/pod-member.js";
import { createMetrics, type Metrics } from "../../src/core/metrics.js";
import { capturingLogger } from "./capturing-logger.js";
import { InMemoryClusterModes, InMemoryRecoveryQueue } from "./in-memory-queue.js";

/** The bearer token the harness's app expects. */
export const TOKEN = "test-token-3f9c1d7e";
/** Basic credentials the harness's app also accepts. */
export const BASIC = { username: "alertmanager", password: "basic-pass-8a2b" };

/**
 * Three clusters: `example` (5 members, namespace default), `main` (3 members, namespace prod), and
 * `shared`, a name used in both prod and staging.
 */
export const CONFIG_YAML = `
clusters:
  - name: example
    members: 5
  - name: main
    namespace: prod
    members: 3
  - name: shared
    namespace: prod
    members: 3
  - name: shared
    namespace: staging
    members: 3
`;

export function testConfig(): ResponderConfig {
  return parseConfig(CONFIG_YAML, "responder.yaml");
}

export interface HarnessOptions {
  auth?: AuthSettings;
  readPodLabels?: ReadPodLabels;
  alertNames?: readonly string[];
  readyTimeoutMs?: number;
}

/** The real intake app over the in-memory queue and modes, with a capturing logger. */
export function intakeHarness(options: HarnessOptions = {}) {
  const config = testConfig();
  const queue = new InMemoryRecoveryQueue();
  const modes = new InMemoryClusterModes();
  const metrics: Metrics = createMetrics({
    waitingCounts: () => queue.waitingCounts(),
    clusterModes: () => modes.list(),
  });
  const { logger, lines } = capturingLogger();
  const app = createIntakeApp({
    config,
    queue,
    modes,
    podMembers: createPodMembers({
      catalog: config.catalog,
      ...(options.readPodLabels ? { readPodLabels: options.readPodLabels } : {}),
    }),
    auth: options.auth ?? { token: TOKEN, basic: BASIC, insecureNoAuth: false },
    metrics,
    logger,
    ...(options.alertNames ? { alertNames: options.alertNames } : {}),
    ...(options.readyTimeoutMs !== undefined ? { readyTimeoutMs: options.readyTimeoutMs } : {}),
  });
  return { app, config, queue, modes, metrics, lines };
}

/** The Authorization header value for the harness's token. */
export const BEARER = `Bearer ${TOKEN}`;
