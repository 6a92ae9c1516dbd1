import { createSandbox, type Sandbox } from "../../src/core/checks/sandbox.js";

/**
 * The runner for tests where the checks' logic is the point, not the isolation: the weak tier (the
 * cheapest to start a command in). test/checks/sandbox.test.ts proves each tier's isolation.
 */
let shared: Promise<Sandbox> | undefined;

export function checksRunner(): Promise<Sandbox> {
  shared ??= createSandbox({ environment: process.env, maxTier: "weak" });
  return shared;
}
