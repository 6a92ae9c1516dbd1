import * as core from "@actions/core";
import { ConfigError } from "../core/errors.js";
import { DEFAULT_CONFIG_PATH } from "../core/config.js";

/** The action's inputs and runner environment, parsed once into one typed object. */
export interface ActionInputs {
  githubToken: string;
  apiKey: string | undefined;
  baseUrl: string | undefined;
  model: string | undefined;
  label: string;
  issueNumber: number | undefined;
  configPath: string;
  eventName: string;
  eventPath: string;
  repository: { owner: string; repo: string };
  apiUrl: string;
  serverUrl: string;
  workspace: string | undefined;
  runnerTemp: string;
  runUrl: string | undefined;
  actor: string | undefined;
}

export function readInputs(env: NodeJS.ProcessEnv = process.env): ActionInputs {
  const githubToken = core.getInput("github-token");
  if (!githubToken) throw new ConfigError('input "github-token" is empty: pass ${{ github.token }} or an app token', { key: "github-token" });
  core.setSecret(githubToken);
  const apiKey = core.getInput("api-key") || undefined;
  if (apiKey) core.setSecret(apiKey);

  const repository = required(env, "GITHUB_REPOSITORY");
  const [owner, repo] = repository.split("/");
  if (!owner || !repo) throw new ConfigError(`GITHUB_REPOSITORY "${repository}" is not owner/repo`, { key: "GITHUB_REPOSITORY" });
  const rawIssue = core.getInput("issue-number");
  const issueNumber = rawIssue ? parseIssueNumber(rawIssue, 'input "issue-number"') : undefined;
  const serverUrl = (env.GITHUB_SERVER_URL ?? "https://github.com").replace(/\/+$/, "");
  return {
    githubToken,
    apiKey,
    baseUrl: core.getInput("base-url") || undefined,
    model: core.getInput("model") || undefined,
    label: core.getInput("label") || "codegen",
    issueNumber,
    configPath: core.getInput("config") || DEFAULT_CONFIG_PATH,
    eventName: required(env, "GITHUB_EVENT_NAME"),
    eventPath: required(env, "GITHUB_EVENT_PATH"),
    repository: { owner, repo },
    apiUrl: (env.GITHUB_API_URL ?? "https://api.github.com").replace(/\/+$/, ""),
    serverUrl,
    workspace: env.GITHUB_WORKSPACE || undefined,
    runnerTemp: env.RUNNER_TEMP || (env.TMPDIR ?? "/tmp"),
    runUrl: env.GITHUB_RUN_ID ? `${serverUrl}/${repository}/actions/runs/${env.GITHUB_RUN_ID}` : undefined,
    actor: env.GITHUB_ACTOR || undefined,
  };
}

export function parseIssueNumber(raw: string, where: string): number {
  const value = Number(String(raw).trim().replace(/^#/, ""));
  if (!Number.isInteger(value) || value <= 0) throw new ConfigError(`${where}: "${raw}" is not an issue number`, { key: "issue-number" });
  return value;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new ConfigError(`${name} is not set: this step must run inside a GitHub Actions job`, { key: name });
  return value;
}
