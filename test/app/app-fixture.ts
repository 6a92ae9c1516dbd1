import { spawn, type ChildProcess } from "node:child_process";
import { createHmac, generateKeyPairSync, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { startApp, type RunningApp } from "../../src/app/start-app.js";
import type { Reply } from "../../src/demo/chat-completions-server.js";
import { SAMPLE_FILES } from "../../src/demo/sample-repo.js";
import { startGitHubServer, type GitHubServer } from "../support/github-server.js";
import { startScriptedModel, toolAnswer, type ScriptedModel } from "../support/scripted-model.js";
import { issuesLabeledPayload, issuesUnlabeledPayload } from "../support/webhook-payloads.js";

export const APP_ID = 31337;
export const INSTALLATION_ID = 4242;
export const WEBHOOK_SECRET = "whsec-app-test-0123456789";
export const API_KEY = "sk-app-test-0123456789abcdef";
export const OWNER = "octo";
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

const appKey = generateKeyPairSync("rsa", { modulusLength: 2048 });
const PRIVATE_KEY = appKey.privateKey.export({ type: "pkcs1", format: "pem" }).toString();

/** What a repository needs to run quickly: the demo's sample project, and no request spacing. */
export const REPO_FILES: Record<string, string> = { ...SAMPLE_FILES, ".github/codegen-crew.yml": "requests_per_minute: 60000\ntest: node --test\n" };

export interface LogLine {
  level: number;
  time: number;
  msg: string;
  [field: string]: unknown;
}

/** A pino logger whose JSON lines land in `lines` (the app's structured logs, as an operator would parse them). */
export function captureLog(): { log: pino.Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { log: pino({ level: "debug" }, sink), lines };
}

/**
 * The shout story for any repository made from REPO_FILES: one helper and its test, approved. Answered by
 * role, so any number of jobs in any order get consistent answers.
 */
export function shoutAnswer(request: { role?: string; body: Record<string, unknown> }): Reply {
  const base = SAMPLE_FILES["src/strings.js"]!;
  const strings = `${base}\nexport function shout(text) {\n  if (typeof text !== "string") throw new TypeError("shout expects a string");\n  return text.toUpperCase() + "!";\n}\n`;
  const answers: Record<string, object> = {
    architect: { summary: "Add shout", steps: ["add shout"], files: [{ path: "src/strings.js", action: "modify", purpose: "shout" }], test_plan: "node --test" },
    developer: { summary: "Add shout(text)", files: [{ path: "src/strings.js", content: strings }] },
    tester: {
      summary: "Test shout",
      files: [
        {
          path: "test/shout.test.js",
          content:
            'import { test } from "node:test";\nimport assert from "node:assert/strict";\nimport { shout } from "../src/strings.js";\n\ntest("shout", () => {\n  assert.equal(shout("hi"), "HI!");\n});\n',
        },
      ],
    },
    reviewer: { verdict: "approve", comments: [] },
    documenter: { summary: "Nothing to document", files: [] },
    summarizer: { title: "Add shout(text)", body: "Adds `shout`." },
  };
  const role = request.role ?? "";
  const args = answers[role];
  if (!args) return { kind: "status", status: 500, body: { error: { message: `app test model: no answer for role "${role}"` } }, headers: { "x-should-retry": "false" } };
  const reply = toolAnswer(role, args);
  return typeof reply === "function" ? (reply(request as Parameters<typeof reply>[0]) as Reply) : reply;
}

export interface AppWorld {
  github: GitHubServer;
  model: ScriptedModel;
  temp: string;
  /** The app's environment (Probot's variables, the model's, CODEGEN_*). */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startWorld(options: { respond?: (request: Parameters<typeof shoutAnswer>[0]) => Reply | Promise<Reply> } = {}): Promise<AppWorld> {
  const temp = await mkdtemp(path.join(os.tmpdir(), "codegen-crew-app-"));
  const github = await startGitHubServer({ app: { id: APP_ID, publicKey: appKey.publicKey, installationId: INSTALLATION_ID } });
  const model = await startScriptedModel({ fallback: options.respond ?? shoutAnswer });
  const host = new URL(github.apiUrl).host;
  const env: Record<string, string> = {
    PATH: process.env.PATH!,
    HOME: process.env.HOME!,
    APP_ID: String(APP_ID),
    PRIVATE_KEY,
    WEBHOOK_SECRET,
    GHE_HOST: host,
    GHE_PROTOCOL: "http",
    HOST: "127.0.0.1",
    PORT: "0",
    OPENAI_API_KEY: API_KEY,
    OPENAI_BASE_URL: model.baseURL,
    CODEGEN_GITHUB_THROTTLE: "false",
    CODEGEN_RECONCILE_INTERVAL_SECONDS: "0",
    CODEGEN_RETRY_BACKOFF_SECONDS: "0.1",
    LOG_LEVEL: "debug",
  };
  return {
    github,
    model,
    temp,
    env,
    async close() {
      await model.close();
      await github.close();
      await rm(temp, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

/** A repository with the sample project where alice may write and mallory may only read. */
export async function addRepo(world: AppWorld, repo: string, files: Record<string, string> = REPO_FILES): Promise<void> {
  await world.github.addRepo(OWNER, repo, { files, permissions: { alice: "write", mallory: "read" } });
}

/** An issue labelled in the UI by `sender` (state and event in the stand-in); send the webhook with `labeled()`. */
export async function addLabelledIssue(world: AppWorld, repo: string, number: number, options: { label?: string; sender?: string } = {}): Promise<void> {
  await world.github.addIssue(OWNER, repo, { number, title: `Add shout (${repo} #${number})`, body: "Add a shout(text) helper.", user: "alice" });
  world.github.labelIssue(OWNER, repo, number, options.label ?? "codegen", options.sender ?? "alice");
}

/** What both label payloads are built from: the issue as the stand-in has it, sent by `sender`. */
function labelEventInput(world: AppWorld, repo: string, number: number, options: { label?: string; sender?: string }) {
  const issue = world.github.issue(OWNER, repo, number);
  return {
    owner: OWNER,
    repo,
    sender: options.sender ?? "alice",
    label: options.label ?? "codegen",
    installationId: INSTALLATION_ID,
    issue: { number, title: issue.title, body: issue.body, user: issue.user, labels: issue.labels },
    apiUrl: world.github.apiUrl,
    serverUrl: world.github.serverUrl,
  };
}

export function labeled(world: AppWorld, repo: string, number: number, options: { label?: string; sender?: string } = {}) {
  return issuesLabeledPayload(labelEventInput(world, repo, number, options));
}

export function unlabeled(world: AppWorld, repo: string, number: number, options: { label?: string; sender?: string } = {}) {
  return issuesUnlabeledPayload(labelEventInput(world, repo, number, options));
}

export function sign(body: string, secret = WEBHOOK_SECRET): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export interface Delivery {
  status: number;
  body: string;
  deliveryId: string;
}

/** POSTs a webhook as GitHub does: JSON body, event name, delivery id, HMAC-SHA256 signature. */
export async function deliver(appUrl: string, event: string, payload: unknown, options: { deliveryId?: string; signature?: string } = {}): Promise<Delivery> {
  const body = JSON.stringify(payload);
  const deliveryId = options.deliveryId ?? randomUUID();
  const response = await fetch(`${appUrl}/api/github/webhooks`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-github-event": event, "x-github-delivery": deliveryId, "x-hub-signature-256": options.signature ?? sign(body) },
    body,
  });
  return { status: response.status, body: await response.text(), deliveryId };
}

/** The app in this process, its logs captured. */
export async function startTestApp(world: AppWorld, env: Record<string, string> = {}): Promise<{ app: RunningApp; lines: LogLine[] }> {
  const { log, lines } = captureLog();
  const app = await startApp({ env: { ...world.env, ...env }, log, tempDir: world.temp });
  return { app, lines };
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The most jobs that were running at once, from [start, end] spans. */
export { maxOverlap } from "../support/max-overlap.js";

export interface ChildApp {
  child: ChildProcess;
  lines: LogLine[];
  /** Everything the process wrote that was not a JSON log line. */
  text: string[];
  exited: Promise<number | null>;
}

/**
 * `codegen-crew <command>` in a child process, with JSON logs collected: from the sources (tests), or from the
 * committed bundle as operators run it (`bundle: true`, for benchmarks: tsx's module loading is not the app's).
 */
export function spawnCli(command: "app" | "worker", env: Record<string, string>, options: { bundle?: boolean } = {}): ChildApp {
  const entry = options.bundle ? [path.join(ROOT, "dist/cli.js")] : ["--import", "tsx", path.join(ROOT, "src/cli/index.ts")];
  const child = spawn(process.execPath, [...entry, command], {
    cwd: ROOT,
    env: { ...env, LOG_FORMAT: "json" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: LogLine[] = [];
  const text: string[] = [];
  let pending = "";
  const take = (chunk: Buffer) => {
    pending += chunk.toString("utf8");
    const parts = pending.split("\n");
    pending = parts.pop() ?? "";
    for (const part of parts.filter(Boolean)) {
      try {
        lines.push(JSON.parse(part) as LogLine);
      } catch {
        text.push(part);
      }
    }
  };
  child.stdout!.on("data", take);
  child.stderr!.on("data", take);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, lines, text, exited };
}
