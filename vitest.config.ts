import { resolve } from "node:path";
import { defineConfig } from "vitest/config";

// The sandbox package's tests find kubectl and helm here; they are the pinned ones of test/global-setup.ts.
process.env.KUBECTL ??= resolve(import.meta.dirname, ".tools/bin/kubectl");
process.env.HELM ??= resolve(import.meta.dirname, ".tools/bin/helm");

export default defineConfig({
  resolve: { conditions: ["kube-sandbox-source"] },
  ssr: { resolve: { conditions: ["kube-sandbox-source"] } },
  test: {
    projects: [
      {
        extends: true,
        test: { name: "etcd-responder", include: ["test/**/*.test.ts"], globalSetup: ["test/global-setup.ts"] },
      },
      "packages/*/vitest.config.ts",
    ],
    testTimeout: 90_000,
    hookTimeout: 90_000,
    pool: "forks",
    // Integration tests run real etcd clusters, and mostly wait on them: with two files at a time a 2-core host
    // was busy about half the time, so three run at once.
    maxWorkers: 3,
    reporters: ["default"],
  },
});
