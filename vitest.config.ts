import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 90_000,
    hookTimeout: 90_000,
    pool: "forks",
    // Integration tests run real etcd clusters; two files at a time is what a 2-core host carries.
    maxWorkers: 2,
    reporters: ["default"],
  },
});
