import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { installDependencies } from "../../src/core/checks/install-dependencies.js";
import { checksRunner } from "../support/checks-runner.js";

const runner = await checksRunner();

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "crew-install-test-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(files: Record<string, string>): Promise<void> {
  for (const [relative, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, relative)), { recursive: true });
    await writeFile(path.join(dir, relative), content);
  }
}

/** A package whose one dependency is a local folder, pinned by a lock file: npm ci needs no network. */
const LOCKED_PACKAGE = {
  "vendor/answer/package.json": JSON.stringify({ name: "answer", version: "1.0.0", main: "index.js" }),
  "vendor/answer/index.js": "module.exports = 42;\n",
  // Without --ignore-scripts, npm ci would run this (checked by hand): installing must not run repository code.
  "package.json": JSON.stringify({ name: "app", version: "1.0.0", scripts: { postinstall: "touch postinstall-ran" }, devDependencies: { answer: "file:./vendor/answer" } }),
  "package-lock.json": JSON.stringify({
    name: "app",
    version: "1.0.0",
    lockfileVersion: 3,
    requires: true,
    packages: {
      "": { name: "app", version: "1.0.0", devDependencies: { answer: "file:./vendor/answer" } },
      "node_modules/answer": { resolved: "vendor/answer", link: true },
      "vendor/answer": { version: "1.0.0", dev: true },
    },
  }),
};

describe("installDependencies", () => {
  it("runs npm ci without lifecycle scripts when a lock file pins dependencies, once per directory", async () => {
    await write(LOCKED_PACKAGE);
    const first = await installDependencies(runner, dir, { timeoutMs: 60_000 });
    expect(first).toMatchObject({ name: "install", status: "pass", command: "npm ci --ignore-scripts --no-audit --no-fund", exitCode: 0 });
    expect(first!.notes).toContain("network: allowed (dependency install)");
    expect(existsSync(path.join(dir, "node_modules", "answer", "index.js"))).toBe(true);
    expect(existsSync(path.join(dir, "postinstall-ran"))).toBe(false);

    await rm(path.join(dir, "node_modules"), { recursive: true });
    expect(await installDependencies(runner, dir, { timeoutMs: 60_000 })).toBe(first); // not run again
    expect(existsSync(path.join(dir, "node_modules"))).toBe(false);
  });

  it("does not replace an existing node_modules", async () => {
    await write({ ...LOCKED_PACKAGE, "node_modules/.keep": "" });
    const result = await installDependencies(runner, dir, { timeoutMs: 60_000 });
    expect(result).toMatchObject({ status: "skipped" });
    expect(result!.output).toContain("node_modules already exists");
    expect(await readdir(path.join(dir, "node_modules"))).toEqual([".keep"]);
  });

  it("installs nothing without a lock file, and says so", async () => {
    await write({ "package.json": JSON.stringify({ dependencies: { leftpad: "^1.0.0" } }) });
    const result = await installDependencies(runner, dir, { timeoutMs: 60_000 });
    expect(result).toMatchObject({ status: "skipped" });
    expect(result!.output).toContain("no lock file");
    expect(existsSync(path.join(dir, "node_modules"))).toBe(false);
  });

  it("returns null when there is nothing to install, and runs a configured command instead of detecting", async () => {
    await write({ "package.json": JSON.stringify({ name: "no-deps" }), "requirements.txt": "" });
    expect(await installDependencies(runner, dir, { timeoutMs: 60_000 })).toBeNull();
    const other = await mkdtemp(path.join(os.tmpdir(), "crew-install-test-"));
    try {
      const result = await installDependencies(runner, other, { command: "echo installing > installed.txt; exit 3", timeoutMs: 60_000 });
      expect(result).toMatchObject({ name: "install", status: "fail", exitCode: 3 });
      expect(result!.notes.join("\n")).toContain("exited with code 3");
      expect(existsSync(path.join(other, "installed.txt"))).toBe(true);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
