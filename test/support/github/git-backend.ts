import { spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { gitEnv, runGit } from "./git-run.js";
import { BareRepo, resolveRef } from "./repo-reads.js";

/**
 * Real bare repositories behind the stand-in: created with git plumbing (no work tree), read for the REST
 * routes (repo-reads.ts) and served over smart HTTP by `git http-backend` run as a CGI per request.
 * Every git call is asynchronous: a synchronous git talking to this same process's HTTP server would deadlock.
 */
const IDENTITY = { name: "GitHub Stand-in", email: "stand-in@example.invalid" };

/** `<root>/<owner>/<repo>.git`, an empty bare repository whose HEAD names the default branch. */
export async function createBareRepo(root: string, owner: string, name: string, defaultBranch: string): Promise<BareRepo> {
  const gitDir = path.join(root, owner, `${name}.git`);
  await mkdir(path.dirname(gitDir), { recursive: true });
  await runGit(gitDir, ["init", "--quiet", "--bare", `--initial-branch=${defaultBranch}`, gitDir]);
  const repo = new BareRepo(gitDir);
  repo.objects.warm();
  return repo;
}

/**
 * Commits `files` onto `branch` (created from `from`, or as a root commit when neither exists) with one
 * `git fast-import`, so the bare repository never needs a work tree or an index. Returns the new commit's sha.
 */
export async function commitFiles(repo: BareRepo, input: { branch: string; files: Record<string, string | Buffer>; message: string; from?: string }): Promise<string> {
  const parent = (await resolveRef(repo, input.branch)) ?? (input.from ? await resolveRef(repo, input.from) : undefined);
  const who = `${IDENTITY.name} <${IDENTITY.email}> ${Math.floor(Date.now() / 1000)} +0000`;
  const stream: Buffer[] = [];
  const line = (text: string) => stream.push(Buffer.from(`${text}\n`));
  const data = (bytes: Buffer) => {
    line(`data ${bytes.length}`);
    stream.push(bytes, Buffer.from("\n"));
  };
  line(`commit refs/heads/${input.branch}`);
  line("mark :1");
  line(`author ${who}`);
  line(`committer ${who}`);
  // `commit-tree -m` ended the message with a newline; fast-import takes it verbatim.
  data(Buffer.from(input.message.endsWith("\n") ? input.message : `${input.message}\n`));
  if (parent) line(`from ${parent}`);
  for (const [file, content] of Object.entries(input.files)) {
    line(`M 100644 inline ${fastImportPath(file)}`);
    data(Buffer.from(content));
  }
  line("get-mark :1");
  line("done");
  // --force: the branch moves like `update-ref` without an old value did, fast-forward or not.
  const result = await runGit(repo.gitDir, ["fast-import", "--quiet", "--force", "--done"], { input: Buffer.concat(stream) });
  return result.stdout.toString("utf8").trim();
}

/** A path as fast-import reads it: verbatim to the end of the line, unless it starts with a quote. */
function fastImportPath(file: string): string {
  if (file.includes("\n") || file.startsWith('"')) throw new Error(`GitHub stand-in: cannot commit a file named ${JSON.stringify(file)}`);
  return file;
}

export interface GitHttpRequest {
  projectRoot: string;
  /** `/<owner>/<repo>.git/info/refs` and friends. */
  pathInfo: string;
  query: string;
  /** Set for authenticated requests: http-backend enables receive-pack (push) only for a known user. */
  remoteUser: string | undefined;
  /** Runs after git finished and before the client sees the end of the answer (a push's effects on PRs). */
  beforeEnd?: () => Promise<void>;
}

/** Runs `git http-backend` for one request, streaming the body in and the CGI answer out. */
export function serveGitHttp(request: IncomingMessage, response: ServerResponse, cgi: GitHttpRequest): Promise<{ status: number; stderr: string }> {
  const env: Record<string, string> = {
    GIT_PROJECT_ROOT: cgi.projectRoot,
    GIT_HTTP_EXPORT_ALL: "1",
    REQUEST_METHOD: request.method ?? "GET",
    PATH_INFO: cgi.pathInfo,
    QUERY_STRING: cgi.query,
    REMOTE_ADDR: request.socket.remoteAddress ?? "127.0.0.1",
    CONTENT_TYPE: request.headers["content-type"] ?? "",
  };
  // Without CONTENT_LENGTH http-backend reads the (chunked) body until EOF, which is what git sends for big pushes.
  if (request.headers["content-length"]) env.CONTENT_LENGTH = request.headers["content-length"];
  if (request.headers["content-encoding"]) env.HTTP_CONTENT_ENCODING = request.headers["content-encoding"];
  const protocol = request.headers["git-protocol"];
  if (typeof protocol === "string") env.HTTP_GIT_PROTOCOL = protocol;
  if (cgi.remoteUser) env.REMOTE_USER = cgi.remoteUser;

  return new Promise((resolve) => {
    const child = spawn("git", ["http-backend"], { env: gitEnv(env), stdio: ["pipe", "pipe", "pipe"] });
    const stderr: Buffer[] = [];
    let status = 200;
    let head = Buffer.alloc(0);
    let headersSent = false;

    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.stdout.on("data", (chunk: Buffer) => {
      if (headersSent) {
        response.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const parsed = parseCgiHead(head);
      if (!parsed) return;
      status = parsed.status;
      response.writeHead(parsed.status, parsed.headers);
      headersSent = true;
      if (parsed.rest.length > 0) response.write(parsed.rest);
    });
    child.on("error", (error) => {
      if (!headersSent) response.writeHead(500, { "content-type": "text/plain" });
      response.end(`git http-backend could not start: ${error.message}\n`);
      resolve({ status: 500, stderr: error.message });
    });
    child.on("close", (code) => {
      const errors = Buffer.concat(stderr).toString("utf8");
      if (!headersSent) {
        status = 500;
        response.writeHead(500, { "content-type": "text/plain" });
        response.write(`git http-backend exited with ${code}: ${errors}`);
      }
      const finish = cgi.beforeEnd ? cgi.beforeEnd() : Promise.resolve();
      void finish.finally(() => {
        response.end();
        resolve({ status, stderr: errors });
      });
    });
    request.pipe(child.stdin);
    child.stdin.on("error", () => undefined);
  });
}

function parseCgiHead(buffer: Buffer): { status: number; headers: Record<string, string>; rest: Buffer } | undefined {
  const crlf = buffer.indexOf("\r\n\r\n");
  const lf = buffer.indexOf("\n\n");
  const end = crlf >= 0 && (lf < 0 || crlf < lf) ? { at: crlf, length: 4 } : lf >= 0 ? { at: lf, length: 2 } : undefined;
  if (!end) return undefined;
  const headers: Record<string, string> = {};
  let status = 200;
  for (const line of buffer.subarray(0, end.at).toString("latin1").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === "status") status = Number.parseInt(value, 10) || 500;
    else headers[name] = value;
  }
  return { status, headers, rest: buffer.subarray(end.at + end.length) };
}
