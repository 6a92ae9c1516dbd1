import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Most tests wait on child processes (git, the checks, the bundles) and timers: two files at a time on 2 cores.
    maxWorkers: 2,
  },
});
