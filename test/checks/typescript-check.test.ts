import { mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runChecks } from "../../src/core/checks/run-checks.js";
import { checkSyntax } from "../../src/core/checks/syntax-check.js";
import { runTypecheck } from "../../src/core/checks/typescript-check.js";
import { writeFiles } from "../support/temp-repo.js";
import { checksRunner } from "../support/checks-runner.js";

const runner = await checksRunner();

const OUR_TYPESCRIPT = path.resolve("node_modules/typescript");
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "crew-ts-test-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes files under the test's folder; returns their paths, as the checks take them. */
const write = (files: Record<string, string>): Promise<string[]> => writeFiles(dir, files).then(() => Object.keys(files));

/** A TypeScript project with typescript "installed" (linked from ours: no network). */
async function typescriptProject(source: string): Promise<string[]> {
  const files = await write({
    "package.json": '{ "name": "ts-app", "type": "module" }\n',
    "tsconfig.json": JSON.stringify({
      compilerOptions: { strict: true, target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", noEmit: true, types: [] },
      include: ["src"],
    }),
    "src/total.ts": source,
  });
  await mkdir(path.join(dir, "node_modules"), { recursive: true });
  await symlink(OUR_TYPESCRIPT, path.join(dir, "node_modules", "typescript"), "dir");
  return files;
}

describe("typecheck (the repository's own tsc)", () => {
  it("fails on a type error and names the file, line and code", async () => {
    const changed = await typescriptProject("export function total(xs: number[]): number {\n  const sum: number = xs.join(',');\n  return sum;\n}\n");
    const results = await runChecks({ runner, dir, changedFiles: changed, commands: {}, timeoutMs: 60_000 });
    expect(results.map((r) => [r.name, r.status])).toEqual([
      ["syntax", "pass"],
      ["typecheck", "fail"],
      ["test", "skipped"],
    ]);
    const typecheck = results[1]!;
    expect(typecheck).toMatchObject({ kind: "lint", command: "tsc --noEmit -p . --pretty false" });
    expect(typecheck.failures).toEqual([expect.stringMatching(/^src\/total\.ts:2: TS2322: Type 'string' is not assignable to type 'number'/)]);
    expect(typecheck.notes[0]).toMatch(/^network: /);
  });

  it("passes a well-typed project", async () => {
    await typescriptProject("export function total(xs: number[]): number {\n  return xs.reduce((a, b) => a + b, 0);\n}\n");
    const result = await runTypecheck(runner, dir, { timeoutMs: 60_000 });
    expect(result).toMatchObject({ name: "typecheck", status: "pass", exitCode: 0, failures: [] });
  });

  it("is skipped with a reason, never passed, when typescript is not installed; absent without a tsconfig", async () => {
    await write({ "tsconfig.json": "{}", "src/a.ts": "export const a: number = 'x';\n" });
    const result = await runTypecheck(runner, dir, { timeoutMs: 60_000 });
    expect(result).toMatchObject({ name: "typecheck", status: "skipped" });
    expect(result!.output).toContain("node_modules/typescript is not installed");
    await rm(path.join(dir, "tsconfig.json"));
    expect(await runTypecheck(runner, dir, { timeoutMs: 60_000 })).toBeNull();
  });

  it("is skipped when the tsconfig.json matches no TypeScript input (an editor-only config)", async () => {
    await typescriptProject("export const x = 1;\n");
    await rm(path.join(dir, "src"), { recursive: true });
    const result = await runTypecheck(runner, dir, { timeoutMs: 60_000 });
    expect(result).toMatchObject({ name: "typecheck", status: "skipped", failures: [] });
    expect(result!.output).toContain("matches no input files");
  });

  it("is not run when the syntax check fails", async () => {
    const changed = await typescriptProject("export const broken = ;\n");
    const results = await runChecks({ runner, dir, changedFiles: changed, commands: {}, timeoutMs: 60_000 });
    expect(results.map((r) => [r.name, r.status])).toEqual([
      ["syntax", "fail"],
      ["typecheck", "skipped"],
      ["test", "skipped"],
    ]);
  });
});

describe("TypeScript parse diagnostics in the syntax check", () => {
  it("parses JSX in .jsx and .js files with the TypeScript parser", async () => {
    const files = await write({
      "src/App.jsx": "export const App = () => <div>hi</div>;\n",
      "src/Card.js": "export const Card = () => <section>ok</section>;\n",
      "src/Broken.jsx": "export const Broken = () => <div>hi</span>;\n",
    });
    const result = await checkSyntax(runner, dir, files);
    expect(result.status).toBe("fail");
    expect(result.output).toContain("Checked 3 file(s)");
    expect(result.failures).toEqual([expect.stringMatching(/^src\/Broken\.jsx:1: /)]);
  });
});
