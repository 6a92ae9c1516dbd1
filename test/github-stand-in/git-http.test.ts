import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { getOctokit } from "@actions/github";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startGitHubServer, type GitHubServer } from "../support/github-server.js";

const exec = promisify(execFile);
const OWNER = "acme";
const REPO = "widgets";

let github: GitHubServer;
let work: string;

/** Real git, asynchronously (a synchronous git against this process's server would deadlock), never prompting. */
async function git(cwd: string, ...args: string[]): Promise<string> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("GIT_")));
  const config = ["-c", "user.name=test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false", "-c", "credential.helper=", "-c", "core.hooksPath=/dev/null"];
  const { stdout } = await exec("git", [...config, ...args], { cwd, env: { ...env, GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "" } });
  return stdout.trim();
}

async function gitFailure(cwd: string, ...args: string[]): Promise<string> {
  try {
    await git(cwd, ...args);
  } catch (error) {
    return String((error as { stderr?: string }).stderr ?? error);
  }
  throw new Error(`git ${args.join(" ")} succeeded but should have failed`);
}

/** The command lines of this process's children (Linux: /proc). */
async function childCommands(): Promise<string[]> {
  const tasks = await readdir(`/proc/${process.pid}/task`);
  const children = (await Promise.all(tasks.map((task) => readFile(`/proc/${process.pid}/task/${task}/children`, "utf8").catch(() => "")))).join(" ");
  const commands = await Promise.all(
    children
      .split(/\s+/)
      .filter(Boolean)
      .map((pid) => readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")),
  );
  return commands.map((command) => command.split("\0").join(" "));
}

async function cloneAndCommit(branch: string, file: string, content: string): Promise<string> {
  const dir = path.join(work, `clone-${branch.replace(/\W/g, "-")}`);
  await git(work, "clone", "--quiet", github.cloneUrl(OWNER, REPO), dir);
  await git(dir, "checkout", "--quiet", "-b", branch);
  await writeFile(path.join(dir, file), content);
  await git(dir, "add", "-A");
  await git(dir, "commit", "--quiet", "-m", `Change ${file}`);
  return dir;
}

beforeEach(async () => {
  github = await startGitHubServer({ tokens: ["ghs_writer", { token: "ghs_reader", readOnly: true }] });
  await github.addRepo(OWNER, REPO, { files: { "README.md": "# widgets\n", "src/app.ts": "export {};\n" } });
  work = await mkdtemp(path.join(os.tmpdir(), "stand-in-git-"));
});

afterEach(async () => {
  await github.close();
  await rm(work, { recursive: true, force: true });
});

describe("GitHub stand-in: git over smart HTTP", () => {
  it("clones the repository anonymously with its files on the default branch", async () => {
    const dir = path.join(work, "clone");
    await git(work, "clone", "--quiet", github.cloneUrl(OWNER, REPO), dir);
    expect(await readFile(path.join(dir, "src/app.ts"), "utf8")).toBe("export {};\n");
    expect(await git(dir, "rev-parse", "--abbrev-ref", "HEAD")).toBe("main");
    expect(await git(dir, "rev-parse", "HEAD")).toBe(await github.branchHead(OWNER, REPO, "main"));
    expect(github.requests.some((request) => request.kind === "git" && request.path === `/${OWNER}/${REPO}.git/info/refs`)).toBe(true);
  });

  it("accepts a push authenticated as x-access-token (in the URL or as an extra header)", async () => {
    const dir = await cloneAndCommit("crew/issue-1", "src/greet.ts", "export const greet = 1;\n");
    await git(dir, "push", "--quiet", github.cloneUrl(OWNER, REPO, "ghs_writer"), "crew/issue-1");
    const pushed = await git(dir, "rev-parse", "HEAD");
    expect(await github.branchHead(OWNER, REPO, "crew/issue-1")).toBe(pushed);
    const [head] = await github.gitLog(OWNER, REPO, "crew/issue-1");
    expect(head).toMatchObject({ sha: pushed, message: "Change src/greet.ts", subject: "Change src/greet.ts", author: { name: "test" } });
    expect(await github.readFile(OWNER, REPO, "crew/issue-1", "src/greet.ts")).toBe("export const greet = 1;\n");

    const header = `Authorization: Basic ${Buffer.from("x-access-token:ghs_writer").toString("base64")}`;
    await writeFile(path.join(dir, "second.txt"), "2\n");
    await git(dir, "add", "-A");
    await git(dir, "commit", "--quiet", "-m", "Second");
    await git(dir, "-c", `http.extraHeader=${header}`, "push", "--quiet", github.cloneUrl(OWNER, REPO), "crew/issue-1");
    expect(await github.branchHead(OWNER, REPO, "crew/issue-1")).toBe(await git(dir, "rev-parse", "HEAD"));
    const pushRequests = github.requests.filter((request) => request.kind === "git" && request.path.endsWith("/git-receive-pack"));
    expect(pushRequests.map((request) => request.headers.authorization)).toEqual(["Basic [redacted]", "Basic [redacted]"]);
  });

  it("accepts a push bigger than git's post buffer (chunked request body, no Content-Length)", async () => {
    const dir = await cloneAndCommit("big", "blob.bin", randomBytes(3 * 1024 * 1024).toString("base64"));
    await git(dir, "push", "--quiet", github.cloneUrl(OWNER, REPO, "ghs_writer"), "big");
    expect(await github.branchHead(OWNER, REPO, "big")).toBe(await git(dir, "rev-parse", "HEAD"));
    // git probes with a tiny POST first, then streams the pack chunked.
    const pushes = github.requests.filter((request) => request.path.endsWith("/git-receive-pack") && request.method === "POST");
    expect(pushes.map((request) => request.headers["transfer-encoding"])).toContain("chunked");
  });

  it("refuses a push without credentials, with an unknown token, and with a read-only token", async () => {
    const dir = await cloneAndCommit("sneaky", "x.txt", "x\n");
    expect(await gitFailure(dir, "push", github.cloneUrl(OWNER, REPO), "sneaky")).toMatch(/could not read Username|Authentication failed|401/);
    expect(await gitFailure(dir, "push", github.cloneUrl(OWNER, REPO, "ghp_wrong"), "sneaky")).toMatch(/Authentication failed|401|Invalid username or token/);
    expect(await gitFailure(dir, "push", github.cloneUrl(OWNER, REPO, "ghs_reader"), "sneaky")).toMatch(/403|denied/);
    expect(await github.branchHead(OWNER, REPO, "sneaky")).toBeUndefined();
  });

  it("moves an open pull request's head.sha when its branch is pushed again", async () => {
    const dir = await cloneAndCommit("crew/issue-2", "a.txt", "a\n");
    await git(dir, "push", "--quiet", github.cloneUrl(OWNER, REPO, "ghs_writer"), "crew/issue-2");
    const api = getOctokit("ghs_writer", { baseUrl: github.apiUrl });
    const pull = await api.rest.pulls.create({ owner: OWNER, repo: REPO, head: "crew/issue-2", base: "main", title: "Issue 2" });

    await writeFile(path.join(dir, "a.txt"), "a, revised\n");
    await git(dir, "commit", "--quiet", "-am", "Revise");
    await git(dir, "push", "--quiet", github.cloneUrl(OWNER, REPO, "ghs_writer"), "crew/issue-2");
    const again = await api.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: pull.data.number });
    expect(again.data.head.sha).toBe(await git(dir, "rev-parse", "HEAD"));
    expect(again.data.head.sha).not.toBe(pull.data.head.sha);
  });

  it("passes a gzip-encoded upload-pack request through to git (Content-Encoding: gzip)", async () => {
    const sha = await github.branchHead(OWNER, REPO, "main");
    const want = `want ${sha}\n`;
    const request = `${(want.length + 4).toString(16).padStart(4, "0")}${want}00000009done\n`;
    const response = await fetch(`${github.serverUrl}/${OWNER}/${REPO}.git/git-upload-pack`, {
      method: "POST",
      headers: { "content-type": "application/x-git-upload-pack-request", "content-encoding": "gzip" },
      body: gzipSync(request),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/x-git-upload-pack-result");
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.subarray(0, 8).toString()).toBe("0008NAK\n");
    expect(body.subarray(8, 12).toString()).toBe("PACK");
  });

  it("reads a pushed branch over REST through one git process per repository, which close() ends", async () => {
    const own = await startGitHubServer({ tokens: ["ghs_writer"] });
    try {
      await own.addRepo("closing-owner", REPO, { files: { "README.md": "# widgets\n" } });
      const api = getOctokit("ghs_writer", { baseUrl: own.apiUrl });
      await api.rest.repos.getBranch({ owner: "closing-owner", repo: REPO, branch: "main" });
      const dir = path.join(work, "closing");
      await git(work, "clone", "--quiet", own.cloneUrl("closing-owner", REPO), dir);
      await writeFile(path.join(dir, "new.txt"), "pushed after the reader started\n");
      await git(dir, "add", "-A");
      await git(dir, "commit", "--quiet", "-m", "Add new.txt");
      await git(dir, "push", "--quiet", own.cloneUrl("closing-owner", REPO, "ghs_writer"), "HEAD:refs/heads/pushed");
      const branch = await api.rest.repos.getBranch({ owner: "closing-owner", repo: REPO, branch: "pushed" });
      expect(branch.data.commit.sha).toBe(await git(dir, "rev-parse", "HEAD"));
      const file = await api.rest.repos.getContent({ owner: "closing-owner", repo: REPO, path: "new.txt", ref: "pushed" });
      expect(Buffer.from((file.data as { content: string }).content, "base64").toString("utf8")).toBe("pushed after the reader started\n");
      const readers = (await childCommands()).filter((command) => command.includes("cat-file") && command.includes("/closing-owner/"));
      expect(readers).toHaveLength(1);
    } finally {
      await own.close();
    }
    expect((await childCommands()).filter((command) => command.includes("/closing-owner/"))).toEqual([]);
  });

  it("answers 404 for a repository it does not have", async () => {
    expect(await gitFailure(work, "clone", github.cloneUrl(OWNER, "nope"), path.join(work, "nope"))).toMatch(/not found|404/i);
  });
});
