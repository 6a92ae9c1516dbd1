import { mkdir, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { MAX_CONFIG_BYTES, parseConfigText } from "../../src/core/config.js";
import { readConfigAt } from "../../src/core/crew/run-in-repository.js";
import { ConfigError } from "../../src/core/errors.js";
import { STATUS_MARKER } from "../../src/core/issue/status-comment.js";
import { createTempRepo, git } from "../support/temp-repo.js";
import { everythingPublished, expectNoSecretsIn, type IssueWorld, OWNER, REPO, RUN_TIMEOUT, startIssueWorld } from "./issue-world.js";

/**
 * Hostile `.github/codegen-crew.yml` files, read the way a run reads them (committed, at the base commit).
 * Each must end in a ConfigError that names the file, quickly, and before any model call.
 */
const FILE = ".github/codegen-crew.yml";
let repo: { dir: string; cleanup(): Promise<void> };
beforeAll(async () => {
  repo = await createTempRepo({ "README.md": "# r\n" });
});
afterAll(async () => repo?.cleanup());

/** Commits `write`'s config on the shared repository and reads it back at that commit, as a run does. */
async function configError(write: (file: string) => Promise<void>): Promise<ConfigError> {
  const file = path.join(repo.dir, FILE);
  await rm(file, { force: true });
  await mkdir(path.dirname(file), { recursive: true });
  await write(file);
  await git(repo.dir, "add", "-A");
  await git(repo.dir, "commit", "-q", "-m", "config");
  try {
    await readConfigAt(repo.dir, "HEAD", FILE);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected the config to be refused");
}

function parseError(text: string): ConfigError {
  try {
    parseConfigText(text, FILE);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected the config to be refused");
}

function billionLaughs(): string {
  const lines = [`a: &a [${Array(9).fill('"lol"').join(", ")}]`];
  for (let i = 1; i < 10; i++) {
    const name = String.fromCharCode(97 + i);
    lines.push(
      `${name}: &${name} [${Array(9)
        .fill(`*${String.fromCharCode(96 + i)}`)
        .join(", ")}]`,
    );
  }
  return `${lines.join("\n")}\n`;
}

describe("hostile config files", () => {
  it("a YAML alias bomb (billion laughs) is refused as not valid YAML, without expanding it", async () => {
    const error = await configError((file) => writeFile(file, billionLaughs()));
    expect(error.message).toMatch(/^\.github\/codegen-crew\.yml: not valid YAML.*alias/);
    expect(error.file).toBe(FILE);
  });

  it("a 10 MB file is refused by its size before it is parsed", async () => {
    // A 10 MB list of deny patterns took about a minute of CPU to parse before the cap.
    const error = await configError((file) => writeFile(file, `paths:\n  deny:\n${"    - a\n".repeat(1_300_000)}`));
    expect(error.message).toBe(`${FILE}: the file is ${Math.ceil(10_400_017 / 1024)} KiB; a config file may be at most ${MAX_CONFIG_BYTES / 1024} KiB`);
  });

  it("unknown keys, prototype keys, merge keys and wrong types each name the key", async () => {
    const cases: [string, RegExp][] = [
      ["max_round: 2\n", /unknown key "max_round"/],
      ["__proto__: { polluted: 1 }\n", /unknown key "__proto__"/],
      ["budget:\n  constructor: 1\n", /unknown key "constructor" in "budget"/],
      ["<<: { label: x }\n", /unknown key "<<"/],
      ['max_rounds: "3"\n', /key "max_rounds": .*expected number/],
      ["install_python: yes\n", /key "install_python": .*expected boolean/],
      ["budget: { cost_usd: .inf }\n", /key "budget.cost_usd"/],
      ["budget: { minutes: .nan }\n", /key "budget.minutes"/],
      ["label: !!binary aGVsbG8=\n", /key "label": .*expected string/],
      ["- a list\n", /expected a mapping of keys at the top level/],
      ["label: a\nlabel: b\n", /not valid YAML \(line 2\).*unique/],
      ["label: a\n---\nlabel: b\n", /not valid YAML/],
      [`label: ${"[".repeat(5000)}${"]".repeat(5000)}\n`, /not valid YAML/],
    ];
    for (const [text, expected] of cases) {
      const error = parseError(text);
      expect(error.message, text.slice(0, 40)).toMatch(expected);
      expect(error.message.startsWith(`${FILE}: `)).toBe(true);
    }
  });

  it("a config committed as a symbolic link to a host file is read as the link, never followed", async () => {
    const error = await configError((file) => symlink("/etc/passwd", file));
    expect(error.message).toBe(`${FILE}: expected a mapping of keys at the top level`);
  });
});

describe("a hostile config in a whole issue run", RUN_TIMEOUT, () => {
  let world: IssueWorld;
  afterEach(async () => world?.close());

  it("fails the run before any model call, and the status comment says why in one line", async () => {
    world = await startIssueWorld({ files: { [FILE]: billionLaughs() } });
    const outcome = await world.run();
    expect(outcome.result).toBe("failed");
    expect(outcome.message).toMatch(/^the configuration is invalid: \.github\/codegen-crew\.yml: not valid YAML/);
    expect(world.model.requests).toHaveLength(0);
    const status = world.github.comments(OWNER, REPO, 1).filter((c) => c.body.includes(STATUS_MARKER));
    expect(status).toHaveLength(1);
    expect(status[0]!.body).toMatch(/state=failed/);
    expect(status[0]!.body).toMatch(/not valid YAML/);
    expect(world.github.pullRequests(OWNER, REPO)).toHaveLength(0);
    expect(expectNoSecretsIn(await everythingPublished(world))).toEqual([]);
  });
});
