import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeRepoTool, repoToolDefinitions } from "../../src/core/agent/repo-tools.js";
import { createTempRepo, writeFiles } from "../support/temp-repo.js";

describe("repo tools", () => {
  let dir: string;
  let outside: string;
  const cleanups: (() => Promise<void>)[] = [];
  const run = (name: string, args: unknown) => executeRepoTool(dir, name, typeof args === "string" ? args : JSON.stringify(args));

  beforeAll(async () => {
    outside = await mkdtemp(path.join(os.tmpdir(), "codegen-crew-outside-"));
    await writeFile(path.join(outside, "secret.txt"), "OUTSIDE-SECRET\n");
    const bigFile = Array.from({ length: 5_000 }, (_, i) => `const line${i} = "${"x".repeat(20)}";`).join("\n");
    const repo = await createTempRepo({
      ".gitignore": ".env\n",
      "README.md": "# Demo\nSays Hello.\n",
      "package-lock.json": "{}\n",
      "src/greet.ts": 'export function greet(name: string) {\n  return "Hello, " + name;\n}\n',
      "src/util/strings.ts": "export const shout = (s: string) => s.toUpperCase() + ' HELLO';\n",
      "src/big.ts": bigFile,
      "assets/blob.bin": "\u0000\u0001binary hello",
      "vendor/lib.js": "hello from vendor\n",
    });
    dir = repo.dir;
    cleanups.push(repo.cleanup, () => rm(outside, { recursive: true, force: true }));
    await writeFiles(dir, { ".env": "TOKEN=sk-secret-value\n" });
    await symlink(path.join(outside, "secret.txt"), path.join(dir, "src/escape.ts"));
    await symlink(outside, path.join(dir, "outside-dir"));
    await symlink(path.join(dir, ".env"), path.join(dir, "src/env-link.ts"));
    await symlink(path.join(dir, ".git/config"), path.join(dir, "src/git-config-link"));
    await symlink("greet.ts", path.join(dir, "src/greet-alias.ts"));
  });

  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it("defines read_file, list_files and search as function tools", () => {
    expect(repoToolDefinitions.map((tool) => tool.function.name)).toEqual(["read_file", "list_files", "search"]);
    for (const tool of repoToolDefinitions) {
      expect(tool.type).toBe("function");
      expect(tool.function.parameters).toMatchObject({ type: "object" });
    }
  });

  it.each([
    ["a parent path", "../x"],
    ["a sneaky parent path", "src/../../x"],
    ["an absolute path", "/etc/passwd"],
    ["a home path", "~/.ssh/id_rsa"],
    ["a path inside .git", ".git/config"],
    ["a path inside .git, other case", "src/../.GIT/HEAD"],
    ["a symlink to a file outside", "src/escape.ts"],
    ["a file through a symlinked directory outside", "outside-dir/secret.txt"],
    ["a symlink into .git", "src/git-config-link"],
    ["a file ignored by .gitignore", ".env"],
    ["a symlink to an ignored file", "src/env-link.ts"],
  ])("read_file refuses %s", async (_name, requested) => {
    const result = await run("read_file", { path: requested });
    expect(result).toMatch(/^refused: /);
    expect(result).not.toMatch(/OUTSIDE-SECRET|sk-secret-value|repositoryformatversion|root:/);
  });

  it("list_files and search refuse paths outside the repository too", async () => {
    expect(await run("list_files", { path: "../" })).toMatch(/^refused: /);
    expect(await run("list_files", { path: "outside-dir" })).toMatch(/^refused: /);
    expect(await run("list_files", { path: ".git" })).toMatch(/^refused: /);
    expect(await run("search", { query: "secret", path: "/tmp" })).toMatch(/^refused: /);
    expect(await run("search", { query: "OUTSIDE", path: "src/escape.ts" })).toMatch(/^refused: /);
  });

  it("read_file returns numbered lines, whole or in a range", async () => {
    const whole = await run("read_file", { path: "src/greet.ts" });
    expect(whole).toBe('src/greet.ts (lines 1-3 of 3)\n1\texport function greet(name: string) {\n2\t  return "Hello, " + name;\n3\t}');
    const part = await run("read_file", { path: "./src/greet.ts", start_line: 2, end_line: 2 });
    expect(part).toBe('src/greet.ts (lines 2-2 of 3)\n2\t  return "Hello, " + name;');
    expect(await run("read_file", { path: "src/greet-alias.ts" })).toContain("export function greet");
  });

  it("read_file bounds its output and says how to continue", async () => {
    const result = await run("read_file", { path: "src/big.ts" });
    expect(result.length).toBeLessThanOrEqual(20_000);
    const next = Number(/start_line=(\d+) to continue/.exec(result)?.[1]);
    expect(next).toBeGreaterThan(100);
    const continued = await run("read_file", { path: "src/big.ts", start_line: next, end_line: next });
    expect(continued).toContain(`const line${next - 1} =`);
  });

  it("read_file explains problems as text", async () => {
    expect(await run("read_file", { path: "src/missing.ts" })).toMatch(/^error: .*does not exist/);
    expect(await run("read_file", { path: "src" })).toMatch(/^error: .*is a directory/);
    expect(await run("read_file", { path: "assets/blob.bin" })).toMatch(/^refused: .*binary/);
    expect(await run("read_file", { path: "src/greet.ts", start_line: 99 })).toMatch(/^error: .*has 3 lines/);
  });

  it("list_files lists a directory with counts and exclusion notes, without ignored files", async () => {
    const root = await run("list_files", {});
    expect(root).toContain("src/ (");
    expect(root).toMatch(/vendor\/ \(1 file; vendored directory\)/);
    expect(root).toContain("package-lock.json (lock file)");
    expect(root).toContain("README.md");
    expect(root).not.toContain(".env");
    expect(root).not.toContain(".git/");
    const src = await run("list_files", { path: "src" });
    expect(src).toMatch(/^util\/ \(1 file\)$/m);
    expect(src).toMatch(/^greet\.ts$/m);
    expect(await run("list_files", { path: "src/greet.ts" })).toMatch(/^error: .*is a file/);
  });

  it("search finds a literal case-insensitively, with path:line, and honours path and exclusions", async () => {
    const result = await run("search", { query: "HELLO" });
    expect(result).toContain('src/greet.ts:2: return "Hello, " + name;');
    expect(result).toContain("src/util/strings.ts:1:");
    expect(result).toContain("README.md:2: Says Hello.");
    expect(result).not.toContain("vendor/lib.js");
    expect(result).not.toContain("assets/blob.bin");
    expect(result).not.toContain("escape.ts");
    const scoped = await run("search", { query: "hello", path: "src/util" });
    expect(scoped.split("\n").filter((line) => line.includes(":1:"))).toEqual(["src/util/strings.ts:1: export const shout = (s: string) => s.toUpperCase() + ' HELLO';"]);
    expect(await run("search", { query: "a.b(" })).toMatch(/^no matches/);
  });

  it("search bounds the number of hits", async () => {
    const result = await run("search", { query: "const line" });
    expect(result.split("\n").filter((line) => line.startsWith("src/big.ts:")).length).toBe(100);
    expect(result).toMatch(/first 100 matches shown/);
  });

  it("turns bad calls into error text naming the problem", async () => {
    expect(await run("read_file", "{not json")).toMatch(/^error: the arguments of read_file are not valid JSON/);
    expect(await run("delete_file", { path: "src/greet.ts" })).toMatch(/^error: unknown tool "delete_file"; the available tools are read_file, list_files, search/);
    expect(await run("read_file", {})).toMatch(/^error: invalid arguments for read_file: path:/);
    expect(await run("read_file", { path: "src/greet.ts", start_line: 0 })).toMatch(/^error: invalid arguments for read_file: start_line:/);
    expect(await run("search", { query: "" })).toMatch(/^error: invalid arguments for search: query:/);
    expect(await run("read_file", "[1,2]")).toMatch(/^error: invalid arguments for read_file/);
  });
});
