import * as core from "@actions/core";
import { startSandbox } from "../core/checks/sandbox-startup.js";
import { describeError } from "../core/errors.js";
import { runIssue, type IssueRunOutcome } from "../core/issue/run-issue.js";
import { knownSecrets, resolveEndpoint } from "../core/model/endpoint.js";
import { connectEndpoint } from "../core/model/connect-endpoint.js";
import { renderReportMarkdown } from "../core/report/render-markdown.js";
import { createGitHubOctokit, createOctokitForge } from "../github/octokit-forge.js";
import { prepareClone } from "./checkout.js";
import { decideFromEvent } from "./event.js";
import { readInputs } from "./inputs.js";
import { installBubblewrap } from "./install-bubblewrap.js";

const log = { info: (m: string) => core.info(m), warn: (m: string) => core.warning(m) };

/** The Action: translate the event into an issue run, and the outcome into outputs and a job summary. */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    const inputs = readInputs(env);
    const decision = await decideFromEvent(inputs);
    if (!decision.run) {
      core.info(`skipped: ${decision.reason}`);
      setOutputs({ result: "skipped", message: decision.reason });
      return;
    }
    // The key is checked before anything is written or any model is called.
    const endpoint = resolveEndpoint(env, { ...(inputs.apiKey ? { apiKey: inputs.apiKey } : {}), ...(inputs.baseUrl ? { baseURL: inputs.baseUrl } : {}) });
    core.setSecret(endpoint.apiKey);

    const octokit = createGitHubOctokit({ baseUrl: inputs.apiUrl, token: inputs.githubToken, log });
    const forge = createOctokitForge(octokit, inputs.repository.owner, inputs.repository.repo);
    const remote = { url: `${inputs.serverUrl}/${inputs.repository.owner}/${inputs.repository.repo}.git`, token: inputs.githubToken };
    const repoDir = await prepareClone(inputs.workspace, inputs.repository, remote, inputs.runnerTemp, log);

    const secrets = knownSecrets(env, [inputs.githubToken, endpoint.apiKey]);
    await installBubblewrap(log);
    const sandbox = await startSandbox({ environment: env, secrets, weakTier: "warn", log });

    core.startGroup(`codegen-crew on issue #${decision.issueNumber}`);
    let outcome: IssueRunOutcome;
    try {
      outcome = await runIssue(
        { issueNumber: decision.issueNumber, sender: decision.sender, configPath: inputs.configPath, ...(inputs.runUrl ? { runUrl: inputs.runUrl } : {}) },
        {
          forge,
          repoDir,
          remote,
          ...(inputs.model ? { model: inputs.model } : {}),
          secrets,
          runner: sandbox,
          log,
          connect: connectEndpoint(endpoint),
        },
      );
    } finally {
      core.endGroup();
    }
    setOutputs(outcome);
    await writeSummary(outcome);
    if (outcome.result === "failed") core.setFailed(outcome.message);
    else if (outcome.result === "draft") core.warning(`draft pull request: ${outcome.message}`);
    else core.info(`${outcome.result}: ${outcome.message}`);
  } catch (error) {
    core.setOutput("result", "failed");
    core.setFailed(describeError(error));
  }
}

function setOutputs(outcome: Pick<IssueRunOutcome, "result" | "pullRequest" | "branch"> & { message: string }): void {
  core.setOutput("result", outcome.result);
  core.setOutput("pull-request-number", outcome.pullRequest ? String(outcome.pullRequest.number) : "");
  core.setOutput("pull-request-url", outcome.pullRequest?.htmlUrl ?? "");
  core.setOutput("branch", outcome.branch ?? "");
}

async function writeSummary(outcome: IssueRunOutcome): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  const body = outcome.report ? renderReportMarkdown(outcome.report) : `## codegen-crew: ${outcome.result}\n\n${outcome.message}\n`;
  await core.summary.addRaw(body).write();
}
