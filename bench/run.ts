import { cpus, totalmem } from "node:os";
import { benchSandboxStartup, renderSandboxStartup } from "./sandbox-startup.js";
import { benchPodStart, renderPodStart } from "./pod-start.js";
import { benchMemberRecovery, renderMemberRecovery } from "./member-recovery.js";
import { benchIntakeThroughput, renderIntakeThroughput } from "./intake-throughput.js";
import { benchAlertStorm, renderAlertStorm } from "./intake-alert-storm.js";
import { benchAlertToHealthy, renderAlertToHealthy } from "./alert-to-healthy.js";
import { benchUnknownPods, renderUnknownPods } from "./intake-unknown-pods.js";
import { benchHelmInCluster, renderHelmInCluster } from "./helm-in-cluster.js";
import { benchStormMemory, renderStormMemory } from "./storm-memory.js";
import { benchScaleClusters, renderScaleClusters } from "./scale-clusters.js";
import { benchConfiguredClusters, renderConfiguredClusters } from "./configured-clusters.js";
import { benchSoak, renderSoak } from "./soak.js";
import { benchFaultMatrix, renderFaultMatrix } from "./fault-matrix.js";

/** Every benchmark, by name; `npm run bench -- NAME...` runs a subset. */
const BENCHMARKS: Record<string, () => Promise<string>> = {
  "sandbox-startup": async () => renderSandboxStartup(await benchSandboxStartup()),
  "pod-start": async () => renderPodStart(await benchPodStart()),
  "member-recovery": async () => renderMemberRecovery(await benchMemberRecovery()),
  "intake-throughput": async () => renderIntakeThroughput(await benchIntakeThroughput()),
  "alert-storm": async () => renderAlertStorm(await benchAlertStorm()),
  "unknown-pods": async () => renderUnknownPods(await benchUnknownPods()),
  "alert-to-healthy": async () => renderAlertToHealthy(await benchAlertToHealthy()),
  "helm-in-cluster": async () => renderHelmInCluster(await benchHelmInCluster()),
  "storm-memory": async () => renderStormMemory(await benchStormMemory()),
  "scale-clusters": async () => renderScaleClusters(await benchScaleClusters()),
  "configured-clusters": async () => renderConfiguredClusters(await benchConfiguredClusters()),
  soak: async () => renderSoak(await benchSoak()),
  "fault-matrix": async () => renderFaultMatrix(await benchFaultMatrix()),
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in BENCHMARKS));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(", ")}; known: ${Object.keys(BENCHMARKS).join(", ")}`);
  process.exit(2);
}
const cpu = cpus()[0]?.model ?? "unknown CPU";
const memory = `${(totalmem() / 2 ** 30).toFixed(0)} GiB`;
console.log(
  `## ${new Date().toISOString().slice(0, 10)} — ${cpus().length} × ${cpu}, ${memory}, Node ${process.version}\n`,
);
for (const name of wanted.length ? wanted : Object.keys(BENCHMARKS)) {
  console.log(`${await BENCHMARKS[name]!()}\n`);
}
process.exit(0);
