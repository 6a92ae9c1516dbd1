import os from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // A test file spends much of its time waiting on child processes (git, the sandbox, the bundle), so one
    // worker per core keeps the cores busy; vitest's default leaves one core idle (one worker on 2 cores).
    maxWorkers: Math.max(2, os.availableParallelism()),
    projects: [
      {
        extends: true,
        // Most files share their worker's modules: loading them again for each of 69 files cost about a fifth
        // of the suite's CPU. Nothing they share keeps per-test state (each test starts its own servers).
        test: { name: "shared", include: ["test/**/*.test.ts"], exclude: ["test/app/**"], isolate: false },
      },
      {
        extends: true,
        // The app's files get fresh modules: its process-wide write bucket is keyed by installation id, and
        // every stand-in's app is installation 1, so files run after one another would share its pace.
        test: { name: "app", include: ["test/app/**/*.test.ts"], isolate: true },
      },
    ],
  },
});
