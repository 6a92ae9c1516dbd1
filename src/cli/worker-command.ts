/**
 * `codegen-crew worker`: runs the app's jobs from the BullMQ queue at REDIS_URL (docs/app.md); start as
 * many as needed, on any machine that reaches Redis, GitHub and the model.
 */
export async function runWorkerCommand(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const { runWorkerProcess } = await import("../app/process-lifecycle.js");
  await runWorkerProcess(env);
}
