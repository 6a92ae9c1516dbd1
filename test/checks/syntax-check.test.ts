import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { checkSyntax } from "../../src/core/checks/syntax-check.js";
import { SyntaxMemo } from "../../src/core/checks/syntax-memo.js";
import { writeFiles } from "../support/temp-repo.js";
import { createSandbox } from "../../src/core/checks/sandbox.js";
import { checksRunner } from "../support/checks-runner.js";

const runner = await checksRunner();

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "crew-syntax-test-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes files under the test's folder; returns their paths, as the checks take them. */
const write = (files: Record<string, string>): Promise<string[]> => writeFiles(dir, files).then(() => Object.keys(files));

describe("checkSyntax", () => {
  it("passes well-formed files of every supported language", async () => {
    const files = await write({
      "a.js": "const a = 1;\nmodule.exports = a;\n",
      "b.mjs": "export const b = 2;\n",
      "c.json": '{ "a": [1, 2] }\n',
      "d.yml": "a: 1\n---\nb: [1, 2]\n",
      "e.py": "def f(x):\n    return x + 1\n",
      "f.ts": "export function f(x: number): number { return x; }\n",
      "g.tsx": "export const G = () => <div>hi</div>;\n",
    });
    const result = await checkSyntax(runner, dir, files);
    expect(result).toMatchObject({ name: "syntax", kind: "syntax", status: "pass", failures: [] });
    expect(result.output).toContain("Checked 7 file(s)");
  });

  it("names each broken file with path:line", async () => {
    const files = await write({
      "src/bad.js": "const a = 1;\nfunction f( {\n  return 1;\n}\n",
      "data/bad.json": '{\n  "a": 1,\n}\n',
      "pkg/bad.py": "x = 1\ndef f(:\n    pass\n",
      "conf/bad.yaml": "a: 1\n---\nb: [1, 2\nc: 3\n",
      "src/bad.ts": "export const x = ;\n",
      "src/fine.js": "export default 1;\n",
    });
    const result = await checkSyntax(runner, dir, files);
    expect(result.status).toBe("fail");
    const byFile = Object.fromEntries(result.failures.map((f) => [f.split(":")[0], f]));
    expect(byFile["src/bad.js"]).toMatch(/^src\/bad\.js:3: SyntaxError/);
    expect(byFile["data/bad.json"]).toMatch(/^data\/bad\.json:3: /);
    expect(byFile["pkg/bad.py"]).toMatch(/^pkg\/bad\.py:2: SyntaxError/);
    expect(byFile["conf/bad.yaml"]).toMatch(/^conf\/bad\.yaml:\d+: /);
    expect(byFile["src/bad.ts"]).toMatch(/^src\/bad\.ts:1: Expression expected/);
    expect(result.failures).toHaveLength(5);
    expect(result.output).toContain("Syntax errors:");
  });

  it("catches a syntax error in an ES module .js file without a package type (node --check misses it on Node 20)", async () => {
    const files = await write({ "src/esm.js": "export const add = (a, b => a + b;\n" });
    const result = await checkSyntax(runner, dir, files);
    expect(result.status).toBe("fail");
    expect(result.failures).toEqual([expect.stringMatching(/^src\/esm\.js:1: SyntaxError/)]);
  });

  it("leaves no bytecode behind when checking Python", async () => {
    const files = await write({ "mod.py": "x = 1\n" });
    await checkSyntax(runner, dir, files);
    expect(await readdir(dir)).toEqual(["mod.py"]);
  });

  it("reports skipped, never pass, when no changed file has a checker", async () => {
    const files = await write({ "README.md": "# hi\n", "image.svg": "<svg/>" });
    const result = await checkSyntax(runner, dir, files);
    expect(result.status).toBe("skipped");
    expect(result.output).toContain("README.md (no syntax checker for this file type)");
  });

  it("skips Python files with a reason when python3 is not installed", async () => {
    const files = await write({ "a.py": "def f(:\n" });
    // The sandbox's PATH is the operator's environment given to the factory, not the ambient one.
    const withoutPython = await createSandbox({ environment: { PATH: path.join(dir, "empty-bin") }, maxTier: "weak" });
    const result = await checkSyntax(withoutPython, dir, files);
    expect(result.status).toBe("skipped");
    expect(result.output).toContain("a.py (python3 is not installed)");
  });

  it("does not mistake JSON with comments (tsconfig.json) for broken JSON", async () => {
    const files = await write({ "tsconfig.json": '{\n  // comment\n  "compilerOptions": {},\n}\n' });
    const result = await checkSyntax(runner, dir, files);
    expect(result.status).toBe("skipped");
  });
});

/** What `node --check` says of a file, in the form the syntax check reports it: "pass" or "file:LINE: message". */
function nodeCheck(dir: string, file: string): Promise<string> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--check", file], { cwd: dir }, (error, stdout, stderr) => {
      if (!error) return resolve("pass");
      const line = new RegExp(`${file.replace(/[.]/g, "\\.")}:(\\d+)`).exec(stderr)?.[1];
      resolve(`${file}:${line}: ${/^SyntaxError: .*$/m.exec(stderr)?.[0] ?? stderr}`);
    });
  });
}

describe("checkSyntax on JavaScript, parsed the way node parses it", () => {
  // Where node decides the module type or the grammar subtly: the check must say what `node --check` says.
  const agreeing: Record<string, string> = {
    "esm/package.json": '{ "type": "module" }\n',
    "esm/return.js": "const a = 1;\nif (a) return;\n",
    "esm/top-level-await.js": "const a = await Promise.resolve(1);\nexport default a;\n",
    "cjs/package.json": '{ "type": "commonjs" }\n',
    "cjs/export.js": "const a = 1;\nexport default a;\n",
    "plain/return.cjs": "if (!module.parent) return;\nmodule.exports = 1;\n",
    "plain/top-level-await.js": "const a = await Promise.resolve(1);\nconsole.log(a);\n",
    "plain/top-level-await-broken.js": "await Promise.resolve(1);\nconst b = ;\n",
    "plain/dynamic-import.js": '  import("node:fs");\nif (!module.parent) return;\n',
    "plain/hashbang.js": "#!/usr/bin/env node\nconst a = 1;\n",
    "plain/bom-hashbang.js": "\uFEFF#!/usr/bin/env node\nconst a = 1;\n",
  };
  // node 20's detection passes these modules without parsing them as modules; the check parses them.
  const detectedModules: Record<string, string> = {
    "plain/import-return.js": 'import fs from "node:fs";\nif (!fs) return;\n',
    "plain/export-with.js": "with (Math) console.log(PI);\nexport const a = 1;\n",
  };
  let dir: string;
  let result: Awaited<ReturnType<typeof checkSyntax>>;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "crew-syntax-node-"));
    await writeFiles(dir, { ...agreeing, ...detectedModules, "plain/view.js": "export const View = () => <p>hi</p>;\n" });
    const files = [...Object.keys(agreeing), ...Object.keys(detectedModules)].filter((file) => !file.endsWith(".json"));
    result = await checkSyntax(runner, dir, [...files, "plain/view.js", "plain/gone.js"]);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const verdictOf = (file: string) => result.failures.find((failure) => failure.startsWith(`${file}:`)) ?? "pass";

  it("gives node --check's verdict, line and message", async () => {
    const files = Object.keys(agreeing).filter((file) => !file.endsWith(".json"));
    const node = await Promise.all(files.map((file) => nodeCheck(dir, file)));
    expect(files.map(verdictOf)).toEqual(node);
    // Not all passes: node rejects these, and so must the check.
    expect(files.filter((_, index) => node[index] !== "pass")).toEqual(["esm/return.js", "cjs/export.js", "plain/top-level-await-broken.js", "plain/bom-hashbang.js"]);
  });

  it("parses a .js file that node detects as an ES module as a module", () => {
    expect(verdictOf("plain/import-return.js")).toBe("plain/import-return.js:2: SyntaxError: Illegal return statement");
    expect(verdictOf("plain/export-with.js")).toBe("plain/export-with.js:1: SyntaxError: Strict mode code may not include a with statement");
  });

  it("hands JSX to the TypeScript parser and names a missing file", () => {
    expect(result.output).toMatch(/Checked \d+ file\(s\):.* plain\/view\.js/);
    expect(verdictOf("plain/view.js")).toBe("pass");
    expect(result.output).toContain("plain/gone.js (file not found)");
  });
});

describe("checkSyntax with the run's memo", () => {
  it("parses a file again only when it, or the package.json above a JavaScript file, changed", async () => {
    const launched: string[] = [];
    const counting = { record: runner.record, memo: runner.memo, run: (opts: Parameters<typeof runner.run>[0]) => (launched.push(String(opts.command)), runner.run(opts)) };
    const memo = new SyntaxMemo();
    const files = await write({ "package.json": '{ "type": "commonjs" }\n', "src/a.js": "const a = 1;\nmodule.exports = a;\n", "tool.py": "print(1)\n" });
    const check = () => checkSyntax(counting, dir, files, { memo });

    expect(await check()).toMatchObject({ status: "pass" });
    expect(launched).toHaveLength(2); // node for a.js, python3 for tool.py; JSON is parsed in-process
    expect(await check()).toMatchObject({ status: "pass" });
    expect(launched).toHaveLength(2);

    // The module type decides how node parses a.js: `export` is a syntax error in CommonJS, not in a module.
    await write({ "src/a.js": "export const a = 1;\n" });
    expect((await check()).failures).toEqual([expect.stringMatching(/^src\/a\.js:1: SyntaxError/)]);
    expect(launched).toHaveLength(3);
    await write({ "package.json": '{ "type": "module" }\n' });
    expect(await check()).toMatchObject({ status: "pass" });
    expect(launched).toHaveLength(4);
    // Back to CommonJS: the same bytes under the same package.json as before, so the earlier verdict stands.
    await write({ "package.json": '{ "type": "commonjs" }\n' });
    expect(await check()).toMatchObject({ status: "fail" });
    expect(launched).toHaveLength(4);
  });
});
