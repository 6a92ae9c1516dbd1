/**
 * `codegen-crew app`: the GitHub App's webhook server (docs/app.md). Configured by the environment only
 * (Probot's variables, the model's, CODEGEN_*), so the same settings work for `node dist/app.js`. The app's
 * modules are loaded on demand: the other commands do not pay for Probot and BullMQ at startup.
 */
export async function runAppCommand(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const { runAppProcess } = await import("../app/process-lifecycle.js");
  await runAppProcess(env);
}
