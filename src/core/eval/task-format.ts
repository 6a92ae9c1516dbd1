import { z } from "zod";
import { SuiteError } from "../errors.js";

/**
 * One eval task, with SWE-bench's field names so that SWE-bench-format instances run unchanged from
 * local clones. `repo` is a path (relative to the suite folder) to a git repository or a bundle.
 */
export interface EvalTask {
  instance_id: string;
  /** Absolute path of the git repository or bundle. */
  repo: string;
  base_commit: string;
  problem_statement: string;
  test_patch: string;
  FAIL_TO_PASS: string[];
  PASS_TO_PASS: string[];
  test_command: string;
  gold_patch?: string;
  hints_text?: string;
  language?: string;
  difficulty?: string;
}

/** SWE-bench stores the test lists either as JSON arrays or as JSON-encoded strings of arrays. */
const testList = z.preprocess(
  (value) => {
    if (typeof value !== "string") return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  },
  z.array(z.string().min(1), { error: "expected a JSON array of test names (or a string holding one)" }),
);

const nonEmpty = z.string().trim().min(1, "must not be empty");

export const taskLineSchema = z.object({
  instance_id: nonEmpty.regex(/^[\w.@+-]+$/, "letters, digits and . _ - @ + only (it names a folder)"),
  repo: nonEmpty,
  base_commit: z.string().regex(/^[0-9a-f]{7,64}$/i, "expected a commit sha"),
  problem_statement: nonEmpty,
  test_patch: nonEmpty.refine((patch) => /^(?:diff --git |--- )/m.test(patch), "expected a unified diff"),
  FAIL_TO_PASS: testList.refine((names) => names.length > 0, "must name at least one test"),
  PASS_TO_PASS: testList,
  test_command: nonEmpty,
  gold_patch: z.string().optional(),
  patch: z.string().optional(),
  hints_text: z.string().optional(),
  language: z.string().optional(),
  difficulty: z.string().optional(),
});
export type TaskLine = z.infer<typeof taskLineSchema>;

/**
 * Parses one line of a tasks file. `resolveRepo` turns the line's `repo` into a path; `defaults` fill
 * fields the line lacks (a SWE-bench file's test command comes from the command line).
 */
export function parseTaskLine(text: string, where: { file: string; line: number }, resolveRepo: (repo: string) => string, defaults: { test_command?: string } = {}): EvalTask {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new SuiteError(`${where.file}:${where.line}: not valid JSON (${(error as Error).message})`, where);
  }
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw new SuiteError(`${where.file}:${where.line}: expected a JSON object`, where);
  const record = raw as Record<string, unknown>;
  const withDefaults = { ...record, ...(record["test_command"] === undefined && defaults.test_command ? { test_command: defaults.test_command } : {}) };
  const parsed = taskLineSchema.safeParse(withDefaults);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.map(String).join(".") || "(line)";
    const message = issue.path.length === 1 && withDefaults[field as keyof typeof withDefaults] === undefined ? "is missing" : issue.message;
    throw new SuiteError(`${where.file}:${where.line}: field "${field}" ${message}`, { ...where, key: field });
  }
  const line = parsed.data;
  // SWE-bench calls the gold patch `patch`; this format calls it `gold_patch`.
  const gold = line.gold_patch ?? line.patch;
  return {
    instance_id: line.instance_id,
    repo: resolveRepo(line.repo),
    base_commit: line.base_commit,
    problem_statement: line.problem_statement,
    test_patch: line.test_patch,
    FAIL_TO_PASS: line.FAIL_TO_PASS,
    PASS_TO_PASS: line.PASS_TO_PASS,
    test_command: line.test_command,
    ...(gold ? { gold_patch: gold } : {}),
    ...(line.hints_text ? { hints_text: line.hints_text } : {}),
    ...(line.language ? { language: line.language } : {}),
    ...(line.difficulty ? { difficulty: line.difficulty } : {}),
  };
}
