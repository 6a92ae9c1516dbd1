import type { AppForge, InstallationForge } from "../core/forge/installation-forge.js";
import { call, readAllPages, type GitHubOctokit } from "./octokit-client.js";
import { createOctokitForge } from "./octokit-forge.js";

/**
 * The app-level forge over GitHub: the app's own client (JWT) lists installations and mints git tokens;
 * each installation's client reads its repositories. The clients come from the caller (Probot's, in the
 * app), so base URL, retries and token renewal stay theirs.
 */

/** Probot's config loader (`@probot/octokit-plugin-config`), which installation clients carry. */
export interface ConfigLoader {
  config: { get(options: { owner: string; repo: string; path: string }): Promise<{ config: Record<string, unknown> }> };
}

export type InstallationOctokit = GitHubOctokit & ConfigLoader;

export interface AppClients {
  app(): Promise<GitHubOctokit>;
  installation(installationId: number): Promise<InstallationOctokit>;
}

export interface GitHubAppForge extends AppForge {
  /** A token for git only, limited to one repository and to its contents (it lives next to code the crew runs). */
  gitToken(installationId: number, repo: string): Promise<string>;
}

export function createAppForge(clients: AppClients): GitHubAppForge {
  return {
    async listInstallations() {
      const app = await clients.app();
      const all = await readAllPages("list the app's installations", (page) => app.rest.apps.listInstallations(page));
      return all.map((installation) => ({ id: installation.id, suspended: Boolean(installation.suspended_at) }));
    },
    async installation(installationId) {
      return createInstallationForge(await clients.installation(installationId), installationId);
    },
    async gitToken(installationId, repo) {
      const app = await clients.app();
      const { data } = await call(`token for ${repo} from installation ${installationId}`, () =>
        app.rest.apps.createInstallationAccessToken({ installation_id: installationId, repositories: [repo], permissions: { contents: "write" } }),
      );
      return data.token;
    },
  };
}

export function createInstallationForge(octokit: InstallationOctokit, installationId: number): InstallationForge {
  return {
    installationId,
    async listRepositories() {
      const all = await readAllPages(`list the repositories of installation ${installationId}`, async (page) => {
        const { data, headers } = await octokit.rest.apps.listReposAccessibleToInstallation(page);
        return { data: data.repositories, headers };
      });
      return all.map((repository) => ({ owner: repository.owner.login, repo: repository.name, archived: repository.archived ?? false }));
    },
    repository: (owner, repo) => createOctokitForge(octokit, owner, repo),
    async cloneUrl(owner, repo) {
      const { data } = await call(`GET repository ${owner}/${repo}`, () => octokit.rest.repos.get({ owner, repo }));
      return data.clone_url;
    },
    async readConfig(owner, repo, path) {
      const { config } = await call(`read ${path} of ${owner}/${repo}`, () => octokit.config.get({ owner, repo, path }));
      return config;
    },
  };
}
