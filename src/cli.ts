#!/usr/bin/env node
import { runCli } from "./cli/run-cli.js";

// Exit explicitly: a finished command must not linger on a client's idle keep-alive socket.
process.exit(await runCli(process.argv.slice(2)));
