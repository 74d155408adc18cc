// What client-node's `config.js` imports from its generated index, and nothing else: the module that
// `loadKubernetesClientLean` gives `config.js` in place of that index. Should a newer client-node import more names
// there, loading the Kubernetes client fails at once, naming the missing export; its test loads it this way.
export { createConfiguration } from "@kubernetes/client-node/dist/gen/configuration.js";
export { ServerConfiguration } from "@kubernetes/client-node/dist/gen/servers.js";
