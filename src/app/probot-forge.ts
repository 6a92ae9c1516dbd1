import type { Probot, ProbotOctokit } from "probot";
import { createAppForge, type GitHubAppForge, type InstallationOctokit } from "../github/installation-forge.js";

/**
 * Probot's clients as the forge seam. Probot's client has the same REST surface as ours (rest endpoint
 * methods, retry, throttling) plus the config loader, and knows the GitHub Enterprise base URL.
 */
export function probotAppForge(probot: Probot): GitHubAppForge {
  return createAppForge({
    app: async () => asForgeOctokit(await probot.auth()),
    installation: async (installationId) => asForgeOctokit(await probot.auth(installationId)),
  });
}

function asForgeOctokit(octokit: ProbotOctokit): InstallationOctokit {
  return octokit as unknown as InstallationOctokit;
}
