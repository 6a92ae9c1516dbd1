// Started by sandbox.test.ts as an unprivileged uid (setpriv), the way a bot without root runs: builds the
// sandbox the factory picks there and runs the hostile check and the bombs in it. Prints one JSON line.
import { createSandbox } from "../../../src/core/checks/sandbox.js";
import { BOMBS_SCRIPT, hostileCommand, nicenessOf, TEST_LIMITS } from "./world.js";

const input = JSON.parse(process.argv[2]!) as { worktree: string; config: Record<string, unknown>; botHome: string };
const sandbox = await createSandbox({ environment: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: input.botHome }, limits: TEST_LIMITS });
const report: Record<string, unknown> = { tier: sandbox.tier, record: sandbox.record, declined: sandbox.declined };
if (sandbox.tier === "namespaced") {
  report.hostile = (await sandbox.run(hostileCommand(input.worktree, input.config))).output;
  report.bombs = (await sandbox.run({ command: BOMBS_SCRIPT, cwd: input.worktree, timeoutMs: 60_000 })).output;
  report.niceness = await nicenessOf(sandbox, input.worktree);
}
process.stdout.write(`${JSON.stringify(report)}\n`);
