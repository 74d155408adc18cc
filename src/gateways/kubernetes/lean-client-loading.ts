import { registerHooks } from "node:module";

/** The module of client-node that defines KubeConfig, and what it imports for two names. */
const CONFIG_MODULE = "/@kubernetes/client-node/dist/config.js";
const GENERATED_INDEX = "./gen/index.js";

let registered = false;

/**
 * Makes this process load client-node's KubeConfig without the client's generated index, which it imports for two
 * small names. That index loads the code of every API group (60-odd) and the module that wraps them all: some 15 MB
 * of source that V8 keeps in memory for as long as the process runs, about 20 MiB resident, none of which the
 * responder calls. Its own calls use four groups' request builders directly (`api-calls.ts`). Call it before the
 * first import of the Kubernetes client; it changes where one import of one module resolves, nothing else. A
 * process that does not call it (the tests) loads the whole client and behaves the same.
 */
export function loadKubernetesClientLean(): void {
  if (registered) return;
  registered = true;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier === GENERATED_INDEX && context.parentURL?.endsWith(CONFIG_MODULE)) {
        return nextResolve("./client-node-config-imports.js", { ...context, parentURL: import.meta.url });
      }
      return nextResolve(specifier, context);
    },
  });
}
