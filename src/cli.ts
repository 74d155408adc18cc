#!/usr/bin/env node
import { runCli } from "./cli/run-cli.js";
import { loadKubernetesClientLean } from "./gateways/kubernetes/lean-client-loading.js";

// Every command loads its own code on demand, so this comes before any of them loads the Kubernetes client.
loadKubernetesClientLean();
// Exit explicitly: a finished command must not linger on a client's idle keep-alive socket.
process.exit(await runCli(process.argv.slice(2)));
