// Run as a script: loads the Kubernetes gateway as the CLI does (`lean`) or without the lean loading (`whole`),
// builds a gateway, and prints as JSON which of client-node's modules were loaded on the way.
import { registerHooks } from "node:module";
import { loadKubernetesClientLean } from "../../src/gateways/kubernetes/lean-client-loading.js";

const mode = process.argv[2];
if (mode !== "lean" && mode !== "whole") throw new Error(`usage: kubernetes-client-modules.ts lean|whole, got ${mode}`);
if (mode === "lean") loadKubernetesClientLean();
const loaded: string[] = [];
registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    loaded.push(resolved.url);
    return resolved;
  },
});
const { loadKubeConfig } = await import("../../src/gateways/kubernetes/kube-config.js");
const { createKubernetesGateway } = await import("../../src/gateways/kubernetes/kubernetes-gateway.js");
const { createLogger } = await import("../../src/core/logger.js");
const kubeConfig = loadKubeConfig();
createKubernetesGateway({ kubeConfig, logger: createLogger({ level: "silent" }) });
const clientNode = loaded.filter((url) => url.includes("/@kubernetes/client-node/"));
console.log(
  JSON.stringify({
    clientNodeModules: clientNode.length,
    generatedIndex: clientNode.some((url) => url.endsWith("/dist/gen/index.js")),
    allGroupsModule: clientNode.some((url) => url.endsWith("/dist/gen/types/ObservableAPI.js")),
    standIn: loaded.some((url) => /\/client-node-config-imports\.[jt]s$/.test(url)),
    currentCluster: kubeConfig.getCurrentCluster()?.server,
  }),
);
