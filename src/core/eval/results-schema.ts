import { z } from "zod";

/**
 * The eval's output files, as documented in docs/eval.md: one `results.jsonl` line per task and one
 * `summary.json` per run. Field names follow the issue (snake_case, like SWE-bench's own reports).
 */

const testList = z.object({
  passed: z.array(z.string()),
  failed: z.array(z.string()),
  missing: z.array(z.string()),
});

export const taskResultSchema = z.object({
  instance_id: z.string(),
  status: z.enum(["resolved", "partial", "unresolved", "error"]),
  fail_to_pass: testList,
  pass_to_pass: testList,
  /** The crew's own verdict; null when the crew did not run (a task error before it). */
  result: z.enum(["ready", "draft", "failed", "skipped"]).nullable(),
  model_calls: z.number().int().nonnegative(),
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
  cost_usd: z.number().nonnegative(),
  wall_seconds: z.number().nonnegative(),
  repair_rounds: z.number().int().nonnegative(),
  /** Why the task is `error` (or a note on a graded task, e.g. the hidden tests timed out); else null. */
  error: z.string().nullable(),
  language: z.string().optional(),
  difficulty: z.string().optional(),
});
export type TaskResult = z.infer<typeof taskResultSchema>;

const distribution = z.object({ total: z.number().nonnegative(), median: z.number().nonnegative() });

export const summarySchema = z.object({
  version: z.literal(1),
  suite: z.string(),
  model: z.string().nullable(),
  started_at: z.string(),
  ended_at: z.string(),
  tasks: z.number().int().nonnegative(),
  /** Tasks that could not run: listed, not counted in the rate. */
  errors: z.number().int().nonnegative(),
  /** Tasks graded: the rate's denominator. */
  graded: z.number().int().nonnegative(),
  resolved: z.number().int().nonnegative(),
  partial: z.number().int().nonnegative(),
  unresolved: z.number().int().nonnegative(),
  /** resolved / graded; null when nothing was graded. */
  resolved_rate: z.number().min(0).max(1).nullable(),
  /** Wilson score interval, 95 %. */
  resolved_interval_95: z.tuple([z.number(), z.number()]).nullable(),
  /** How often the crew's "ready" matched the hidden tests' verdict. */
  agreement: z.object({
    ready_and_resolved: z.number().int().nonnegative(),
    ready_not_resolved: z.number().int().nonnegative(),
    not_ready_resolved: z.number().int().nonnegative(),
    not_ready_not_resolved: z.number().int().nonnegative(),
    /** (ready_and_resolved + not_ready_not_resolved) / graded. */
    rate: z.number().min(0).max(1).nullable(),
    /** Of the tasks the crew called ready, the share the hidden tests resolved. */
    ready_precision: z.number().min(0).max(1).nullable(),
  }),
  prompt_tokens: distribution,
  completion_tokens: distribution,
  cost_usd: distribution,
  wall_seconds: distribution,
});
export type EvalSummary = z.infer<typeof summarySchema>;
