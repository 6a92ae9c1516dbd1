import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { directPackageScript } from "../../src/core/checks/npm-script.js";
import { runChecks } from "../../src/core/checks/run-checks.js";
import { checksRunner } from "../support/checks-runner.js";
import { writeFiles } from "../support/temp-repo.js";

const runner = await checksRunner();

describe("running an npm script without npm's start-up", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "codegen-crew-npm-script-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const manifest = (scripts: Record<string, string>) => JSON.stringify({ name: "calc", version: "1.2.3", scripts });

  it("runs the plain `npm test` and `npm run <name>` scripts directly, with npm's variables", async () => {
    await writeFiles(dir, { "package.json": manifest({ test: "node --test", lint: "eslint ." }) });
    const test = await directPackageScript(dir, "npm test");
    expect(test).toMatchObject({ command: "node --test", prependPath: [path.join(dir, "node_modules", ".bin")] });
    expect(test!.env).toMatchObject({ npm_lifecycle_event: "test", npm_package_name: "calc", npm_package_version: "1.2.3", INIT_CWD: dir });
    expect((await directPackageScript(dir, "npm run lint"))?.command).toBe("eslint .");
    expect((await directPackageScript(dir, " npm t "))?.command).toBe("node --test");
  });

  it("leaves to npm what only npm knows how to run", async () => {
    await writeFiles(dir, { "package.json": manifest({ test: "node --test", pretest: "node build.js", lint: "eslint .", postlint: "echo done" }) });
    expect(await directPackageScript(dir, "npm test")).toBeNull(); // a pre hook
    expect(await directPackageScript(dir, "npm run lint")).toBeNull(); // a post hook
    expect(await directPackageScript(dir, "npm test -- --watch=false")).toBeNull(); // arguments
    expect(await directPackageScript(dir, "yarn test")).toBeNull();
    expect(await directPackageScript(dir, "npm run missing")).toBeNull();
    expect(await directPackageScript(dir, "npm test && echo ok")).toBeNull();
    await writeFiles(dir, { "package.json": manifest({ test: "node --test" }), ".npmrc": "script-shell=/bin/bash\n" });
    expect(await directPackageScript(dir, "npm test")).toBeNull(); // .npmrc may change how it runs
    await writeFiles(dir, { "package.json": "{ not json" });
    expect(await directPackageScript(dir, "npm test")).toBeNull();
  });

  // The same repository, once run directly and once through npm (an .npmrc forces npm): the script sees the
  // same lifecycle variables and finds the same tools in node_modules/.bin, and its exit code decides.
  it("gives the script what npm gives it, and its exit code decides the check", async () => {
    const script = "node show.mjs && greet";
    await writeFiles(dir, {
      "package.json": manifest({ test: script }),
      "show.mjs": 'console.log(["npm_lifecycle_event", "npm_package_name", "npm_package_version"].map((k) => `${k}=${process.env[k]}`).join(" "));\n',
      "node_modules/.bin/greet": '#!/bin/sh\necho "greet from .bin"\nexit "${GREET_EXIT:-0}"\n',
    });
    await chmod(path.join(dir, "node_modules/.bin/greet"), 0o755);
    const check = async () =>
      (await runChecks({ runner, dir, changedFiles: [], commands: { test: { command: "npm test", source: "package.json scripts.test" } }, timeoutMs: 60_000 })).find(
        (c) => c.name === "test",
      )!;
    const direct = await check();
    expect(direct.status).toBe("pass");
    expect(direct.command).toBe("npm test");
    expect(direct.output).toContain("npm_lifecycle_event=test npm_package_name=calc npm_package_version=1.2.3");
    expect(direct.output).toContain("greet from .bin");

    await writeFile(path.join(dir, ".npmrc"), "fund=false\n");
    const viaNpm = await check();
    expect(viaNpm.status).toBe("pass");
    expect(viaNpm.output).toContain("npm_lifecycle_event=test npm_package_name=calc npm_package_version=1.2.3");
    expect(viaNpm.output).toContain("greet from .bin");
    await rm(path.join(dir, ".npmrc"));

    await writeFiles(dir, { "package.json": manifest({ test: `${script} && exit 3` }) });
    const failing = await check();
    expect(failing.status).toBe("fail");
    expect(failing.exitCode).toBe(3);
  });
});
