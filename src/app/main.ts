import { describeError } from "../core/errors.js";
import { runAppProcess } from "./process-lifecycle.js";

/** `node dist/app.js`: the GitHub App server, configured from the environment (docs/app.md). */
try {
  await runAppProcess(process.env);
} catch (error) {
  process.stderr.write(`codegen-crew app: ${describeError(error)}\n`);
  process.exit(1);
}
