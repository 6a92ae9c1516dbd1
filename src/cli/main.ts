import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { describeError } from "../core/errors.js";
import { ROLE_NAMES, isRoleName } from "../core/roles/role-names.js";
import { runAppCommand } from "./app-command.js";
import { runDemoCommand } from "./demo-command.js";
import { runEvalCommand } from "./eval-command.js";
import { runReplayCommand } from "./replay-command.js";
import { runRunCommand } from "./run-command.js";
import { runShowCommand } from "./show-command.js";
import { runWorkerCommand } from "./worker-command.js";

/** Exit codes: the run's result, so scripts can branch on it. */
export const EXIT = { ready: 0, skipped: 0, draft: 2, failed: 1, usage: 64 } as const;

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive whole number");
  return n;
}

function roleArg(value: string): string {
  if (!isRoleName(value)) throw new InvalidArgumentError(`expected one of ${ROLE_NAMES.join(", ")}`);
  return value;
}

export function buildProgram(): Command {
  const program = new Command("codegen-crew").description("A crew of LLM agents that turns an issue into a tested change.").showHelpAfterError().exitOverride();

  program
    .command("run")
    .description("run the crew on a local repository; the change lands on a new branch, your checkout is untouched")
    .option("--repo <path>", "the repository", process.cwd())
    .addOption(new Option("--task <text>", "what to do (first line = title)").conflicts("taskFile"))
    .option("--task-file <file>", "read the task from a file")
    .option("--model <model>", "model for every role without a per-role model in the config (env CODEGEN_MODEL)")
    .option("--base-url <url>", "OpenAI-compatible endpoint (env OPENAI_BASE_URL)")
    .option("--base <ref>", "commit to start the branch from", "HEAD")
    .option("--sequential", "run one phase at a time (debugging)")
    .option("--cache <dir>", "reuse identical model responses from this on-disk cache")
    .option("--show <agent>", "print what an agent was asked and answered in the last run, and exit", roleArg)
    .action(async (opts) => {
      process.exitCode = opts.show ? await runShowCommand(opts.repo, opts.show) : await runRunCommand(opts);
    });

  program
    .command("demo")
    .description("the whole flow offline: a sample repository and a recorded model, no key, no network")
    .option("--sequential", "run one phase at a time")
    .action(async (opts) => {
      process.exitCode = await runDemoCommand(opts);
    });

  program
    .command("replay")
    .description("re-run a recorded run from its transcript, with no network")
    .argument("<transcript>", "a transcript.jsonl written by a run")
    .option("--repo <path>", "the repository (default: the one recorded in the transcript)")
    .action(async (transcript: string, opts) => {
      process.exitCode = await runReplayCommand(transcript, opts);
    });

  program
    .command("eval")
    .description("measure how often the crew resolves tasks with hidden tests (SWE-bench style); see docs/eval.md")
    .option("--suite <dir>", "a suite folder with tasks.jsonl (e.g. evals/starter)")
    .option("--swe-bench <file>", "a SWE-bench-format .jsonl, with clones under --repos")
    .option("--repos <dir>", "for --swe-bench: clones as DIR/<owner>__<name>")
    .option("--test-command <command>", "for --swe-bench: the test command of instances that have none")
    .option("--tasks <ids>", "only these instance_ids, comma-separated")
    .option("--jobs <n>", "tasks run at a time", positiveInt, 1)
    .option("--model <model>", "model for every role without a per-role model in the config (env CODEGEN_MODEL)")
    .option("--base-url <url>", "OpenAI-compatible endpoint (env OPENAI_BASE_URL)")
    .option("--out <dir>", "where results.jsonl, summary.json and summary.md go (default eval-results/<time>)")
    .option("--test-timeout <seconds>", "limit for one run of a task's hidden tests", positiveInt, 600)
    .option("--validate", "no model: check that each task's hidden tests fail at base_commit and pass with its gold_patch")
    .action(async (opts) => {
      process.exitCode = await runEvalCommand(opts);
    });

  program
    .command("app")
    .description("serve the GitHub App: webhooks in, jobs on a queue (configured by the environment: see docs/app.md)")
    .action(async () => {
      await runAppCommand();
    });

  program
    .command("worker")
    .description("run the GitHub App's jobs from the Redis queue at REDIS_URL (scale-out mode)")
    .action(async () => {
      await runWorkerCommand();
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT.usage;
    process.stderr.write(`codegen-crew: ${describeError(error)}\n`);
    return EXIT.failed;
  }
}
