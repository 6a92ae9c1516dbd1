// Builds an eval suite (tasks.jsonl and one git bundle per task) from source folders:
//   <src>/<task>/task.json   problem_statement, FAIL_TO_PASS, PASS_TO_PASS, test_command, language, difficulty
//   <src>/<task>/base/       the repository at base_commit
//   <src>/<task>/gold/       files the gold patch creates or replaces (full content)
//   <src>/<task>/tests/      hidden test files the test patch creates or replaces (full content)
// Each task's repository has the base commit, then the fix, then its tests on `main`: the eval must hide
// everything after base_commit, and this history is there to prove it does. Commits have fixed authors
// and dates, so the same sources always give the same shas.
//
// Usage: node scripts/build-eval-suite.mjs [--src evals/starter/src] [--out evals/starter]
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at === -1 ? fallback : path.resolve(args[at + 1]);
};
const srcDir = option("--src", path.join(root, "evals/starter/src"));
const outDir = option("--out", path.join(root, "evals/starter"));

const DIFFICULTY = { easy: 0, medium: 1, hard: 2 };
const DATE = "2026-01-01T00:00:00Z";
const env = {
  PATH: process.env.PATH,
  HOME: os.tmpdir(),
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "codegen-crew evals",
  GIT_AUTHOR_EMAIL: "evals@codegen-crew.invalid",
  GIT_COMMITTER_NAME: "codegen-crew evals",
  GIT_COMMITTER_EMAIL: "evals@codegen-crew.invalid",
  GIT_AUTHOR_DATE: DATE,
  GIT_COMMITTER_DATE: DATE,
};

function git(dir, ...gitArgs) {
  return execFileSync("git", ["-c", "core.hooksPath=/dev/null", "-c", "core.autocrlf=false", "-c", "commit.gpgsign=false", ...gitArgs], { cwd: dir, env, encoding: "utf8" });
}

function commitAll(dir, message) {
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", message);
  return git(dir, "rev-parse", "HEAD").trim();
}

function diff(dir, from, to) {
  return git(dir, "diff", "--no-color", "--no-ext-diff", "--no-renames", from, to);
}

function buildTask(id, work) {
  const source = path.join(srcDir, id);
  const meta = JSON.parse(readFileSync(path.join(source, "task.json"), "utf8"));
  const repo = path.join(work, id);
  mkdirSync(repo);
  git(repo, "init", "-q", "--initial-branch=main");
  cpSync(path.join(source, "base"), repo, { recursive: true });
  const base = commitAll(repo, "Initial version");

  git(repo, "checkout", "-q", "-b", "tests-only");
  cpSync(path.join(source, "tests"), repo, { recursive: true });
  const testsOnly = commitAll(repo, "Hidden tests");
  const testPatch = diff(repo, base, testsOnly);

  git(repo, "checkout", "-q", "main");
  cpSync(path.join(source, "gold"), repo, { recursive: true });
  const fix = commitAll(repo, "Fix");
  const goldPatch = diff(repo, base, fix);
  cpSync(path.join(source, "tests"), repo, { recursive: true });
  commitAll(repo, "Tests for the fix");
  git(repo, "branch", "-q", "-D", "tests-only");

  const bundle = path.join(outDir, "repos", `${id}.bundle`);
  git(repo, "bundle", "create", "-q", bundle, "main");
  return {
    instance_id: id,
    repo: path.relative(outDir, bundle),
    base_commit: base,
    problem_statement: meta.problem_statement,
    test_patch: testPatch,
    gold_patch: goldPatch,
    FAIL_TO_PASS: meta.FAIL_TO_PASS,
    PASS_TO_PASS: meta.PASS_TO_PASS,
    test_command: meta.test_command,
    language: meta.language,
    difficulty: meta.difficulty,
  };
}

const ids = readdirSync(srcDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);
const difficultyOf = (id) => DIFFICULTY[JSON.parse(readFileSync(path.join(srcDir, id, "task.json"), "utf8")).difficulty] ?? 9;
ids.sort((a, b) => difficultyOf(a) - difficultyOf(b) || a.localeCompare(b));

rmSync(path.join(outDir, "repos"), { recursive: true, force: true });
mkdirSync(path.join(outDir, "repos"), { recursive: true });
const work = mkdtempSync(path.join(os.tmpdir(), "codegen-crew-build-suite-"));
try {
  const lines = ids.map((id) => JSON.stringify(buildTask(id, work)));
  writeFileSync(path.join(outDir, "tasks.jsonl"), `${lines.join("\n")}\n`);
  process.stdout.write(`${ids.length} tasks written to ${path.relative(process.cwd(), outDir) || "."}/tasks.jsonl and repos/\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
