import type { ForgeClient } from "./forge-client.js";

/**
 * The forge as a GitHub App sees it, above one repository: its installations, the repositories each one
 * covers, and what a job needs to act on one of them (the repository's ForgeClient, its clone URL, a
 * git token, its configuration file). Used by the app's reconciler and job runner; implemented in src/github.
 */
export interface InstallationInfo {
  id: number;
  suspended: boolean;
}

export interface InstallationRepository {
  owner: string;
  repo: string;
  archived: boolean;
}

export interface AppForge {
  listInstallations(): Promise<InstallationInfo[]>;
  installation(installationId: number): Promise<InstallationForge>;
}

export interface InstallationForge {
  readonly installationId: number;
  listRepositories(): Promise<InstallationRepository[]>;
  /** The repository's ForgeClient, acting as this installation. */
  repository(owner: string, repo: string): ForgeClient;
  /** The URL git clones over HTTPS; a ForgeError with status 404/403 when the installation cannot see it. */
  cloneUrl(owner: string, repo: string): Promise<string>;
  /**
   * A configuration file (YAML or JSON) the way Probot's config loader finds it: the repository's `path`,
   * else the owner's `.github` repository's, following `_extends`; an empty object when there is none.
   */
  readConfig(owner: string, repo: string, path: string): Promise<Record<string, unknown>>;
}
