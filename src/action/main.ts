import * as core from "@actions/core";
import { sandboxTierSetting, startSandbox } from "../core/checks/sandbox-startup.js";
import { ConfigError, describeError } from "../core/errors.js";
import { allSettledOrThrow } from "../core/settle.js";
import { runWorkItem, type WorkRunOutcome } from "../core/issue/run-work-item.js";
import { knownSecrets, resolveEndpoint } from "../core/model/endpoint.js";
import { connectEndpoint } from "../core/model/connect-endpoint.js";
import { renderReportMarkdown } from "../core/report/render-markdown.js";
import { asReply } from "../core/work/triggers.js";
import type { RunMode, WorkItem } from "../core/work/work-item.js";
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
    const octokit = createGitHubOctokit({ baseUrl: inputs.apiUrl, token: inputs.githubToken, log });
    const forge = createOctokitForge(octokit, inputs.repository.owner, inputs.repository.repo);
    const { owner, repo } = inputs.repository;
    const decision = await decideFromEvent(inputs, {
      pullRequestHead: async (pr) => (await octokit.rest.pulls.get({ owner, repo, pull_number: pr })).data.head.ref,
    });
    if (decision.action === "skip") {
      core.info(`skipped: ${decision.reason}`);
      setOutputs({ result: "skipped", message: decision.reason });
      return;
    }
    if (decision.action === "reply") {
      // help, and stop (which a workflow run cannot do to another): one comment, no model, no key needed.
      await forge.createComment(decision.issue, asReply(decision.body));
      core.info(`skipped: ${decision.reason}; replied on #${decision.issue}`);
      setOutputs({ result: "skipped", message: decision.reason });
      return;
    }
    const item = decision.item;
    // The key is checked before anything is written or any model is called.
    const endpoint = resolveActionEndpoint(env, inputs);
    core.setSecret(endpoint.apiKey);
    const remote = { url: `${inputs.serverUrl}/${inputs.repository.owner}/${inputs.repository.repo}.git`, token: inputs.githubToken };
    const secrets = knownSecrets(env, [inputs.githubToken, endpoint.apiKey]);
    const maxTier = sandboxTierSetting(env.CODEGEN_SANDBOX_MAX_TIER);
    // The clone and the sandbox's self-test (only our own probe) run while the run reads the issue, checks
    // the sender, takes the lock and opens the status comment; the run awaits them only after that.
    const workspace = allSettledOrThrow([
      prepareClone(inputs.workspace, inputs.repository, remote, inputs.runnerTemp, log),
      installBubblewrap(log).then(() => startSandbox({ environment: env, secrets, weakTier: "warn", log, ...(maxTier ? { maxTier } : {}) })),
    ] as const).then(([repoDir, runner]) => ({ repoDir, runner }));

    core.startGroup(`codegen-crew on issue #${item.issue}${item.kind === "revision" ? ` (revision of #${item.pr})` : ""}`);
    let outcome: WorkRunOutcome;
    try {
      outcome = await runWorkItem(
        {
          item,
          holder: { run: inputs.runUrl ? `workflow run ${inputs.runUrl}` : "a codegen-crew run", owner: "action" },
          configPath: inputs.configPath,
          ...(inputs.runUrl ? { runUrl: inputs.runUrl } : {}),
        },
        {
          forge,
          workspace,
          remote,
          ...(inputs.model ? { model: inputs.model } : {}),
          secrets,
          log,
          connect: connectEndpoint(endpoint),
        },
      );
    } finally {
      // A run that ended before it needed the workspace (a refusal, a closed issue) still lets the clone and
      // the self-test finish rather than exit under them. A failure of theirs is the run's own error when
      // the run needed them, and concerns nobody when it did not.
      await workspace.catch(() => undefined);
      core.endGroup();
    }
    setOutputs({ ...outcome, mode: outcome.mode ?? modeOf(item) });
    await writeSummary(outcome);
    if (outcome.result === "failed") core.setFailed(outcome.message);
    else if (outcome.result === "draft") core.warning(`draft pull request: ${outcome.message}`);
    else core.info(`${outcome.result}: ${outcome.message}`);
  } catch (error) {
    core.setOutput("result", "failed");
    core.setFailed(describeError(error));
  }
}

/** The `mode` output when the run did not get far enough to say (a relabel of an issue with a PR is a revision). */
function modeOf(item: WorkItem): RunMode {
  return item.kind === "revision" ? "revision" : "new";
}

/** The model endpoint; without any key, the error names the Action's own input first. */
function resolveActionEndpoint(env: NodeJS.ProcessEnv, inputs: ReturnType<typeof readInputs>) {
  try {
    return resolveEndpoint(env, { ...(inputs.apiKey ? { apiKey: inputs.apiKey } : {}), ...(inputs.baseUrl ? { baseURL: inputs.baseUrl } : {}) });
  } catch (error) {
    if (inputs.apiKey || !(error instanceof ConfigError)) throw error;
    throw new ConfigError(
      'no API key: set the "api-key" input (for example `api-key: ${{ secrets.OPENROUTER_API_KEY }}`), or OPENAI_API_KEY or OPENROUTER_API_KEY in the step\'s env',
      { key: "api-key" },
    );
  }
}

function setOutputs(outcome: Pick<WorkRunOutcome, "result" | "pullRequest" | "branch"> & { message: string; mode?: RunMode }): void {
  core.setOutput("result", outcome.result);
  core.setOutput("mode", outcome.mode ?? "");
  core.setOutput("pull-request-number", outcome.pullRequest ? String(outcome.pullRequest.number) : "");
  core.setOutput("pull-request-url", outcome.pullRequest?.htmlUrl ?? "");
  core.setOutput("branch", outcome.branch ?? "");
}

async function writeSummary(outcome: WorkRunOutcome): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  const body = outcome.report ? renderReportMarkdown(outcome.report) : `## codegen-crew: ${outcome.result}\n\n${outcome.message}\n`;
  await core.summary.addRaw(body).write();
}
