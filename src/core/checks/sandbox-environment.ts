import path from "node:path";
import { usableSecrets } from "./output-capture.js";
import { pathExists } from "./path-exists.js";

/**
 * The environment a sandboxed command gets: the operator's environment given to createSandbox (never the
 * ambient process.env), without credentials, without variables that locate credentials or redirect git,
 * with a fresh HOME and TMPDIR of its own. docs/security.md lists the rules; keep the two in step.
 */

export type NetworkMode = "isolated" | "allowed";

const DROPPED_NAMES = new Set(["GITHUB_TOKEN", "GH_TOKEN", "OPENAI_API_KEY", "OPENROUTER_API_KEY", "AZURE_OPENAI_API_KEY", "ANTHROPIC_API_KEY"]);

function isCredentialName(name: string): boolean {
  const upper = name.toUpperCase();
  return (
    DROPPED_NAMES.has(upper) ||
    upper.startsWith("INPUT_") ||
    upper.startsWith("ACTIONS_") ||
    (upper.startsWith("CODEGEN_") && upper.includes("KEY")) ||
    upper.endsWith("TOKEN") ||
    upper.endsWith("_AUTH") ||
    upper.includes("CREDENTIAL") ||
    upper.endsWith("_API_KEY") ||
    upper.endsWith("_PRIVATE_KEY") ||
    upper.endsWith("_ACCESS_KEY") ||
    upper.includes("SECRET") ||
    upper.includes("PASSWORD")
  );
}

/** A copy of `env` without credentials: known names, credential-like names, and any value holding a secret. */
export function scrubEnvironment(env: NodeJS.ProcessEnv, secrets: readonly string[] = []): Record<string, string> {
  const masked = usableSecrets(secrets);
  const clean: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || isCredentialName(name)) continue;
    if (masked.some((secret) => value.includes(secret))) continue;
    clean[name] = value;
  }
  return clean;
}

/** Variables that point tools at credentials or agents outside the environment itself. */
const CREDENTIAL_LOCATIONS = new Set([
  "SSH_AUTH_SOCK",
  "SSH_AGENT_PID",
  "GPG_AGENT_INFO",
  "NETRC",
  "DOCKER_CONFIG",
  "DOCKER_HOST",
  "KUBECONFIG",
  "AWS_SHARED_CREDENTIALS_FILE",
  "AWS_CONFIG_FILE",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "GOOGLE_APPLICATION_CREDENTIALS",
  "CLOUDSDK_CONFIG",
  "AZURE_CONFIG_DIR",
  "GH_CONFIG_DIR",
  "PIP_CONFIG_FILE",
  "NPM_CONFIG_USERCONFIG",
  "NPM_CONFIG_GLOBALCONFIG",
  "CARGO_REGISTRIES_CRATES_IO_TOKEN",
  "XDG_CONFIG_HOME",
  "XDG_DATA_HOME",
  "XDG_CACHE_HOME",
  "XDG_STATE_HOME",
  "XDG_RUNTIME_DIR",
  "DBUS_SESSION_BUS_ADDRESS",
]);

/**
 * Toolchains found through HOME (pyenv, rustup, cargo, go, volta) would break under an empty HOME, so
 * their roots are passed explicitly, but only when the directory exists and holds no credential file.
 * Package caches are not passed: each command starts with a cold cache that nothing else shares.
 */
const TOOLCHAIN_ROOTS: { name: string; dir: string; credentialFiles: string[] }[] = [
  { name: "PYENV_ROOT", dir: ".pyenv", credentialFiles: [] },
  { name: "RUSTUP_HOME", dir: ".rustup", credentialFiles: [] },
  { name: "CARGO_HOME", dir: ".cargo", credentialFiles: ["credentials", "credentials.toml"] },
  { name: "GOPATH", dir: "go", credentialFiles: [] },
  { name: "VOLTA_HOME", dir: ".volta", credentialFiles: [] },
];
export const TOOLCHAIN_VARIABLES = TOOLCHAIN_ROOTS.map((root) => root.name);

/**
 * The base environment of every sandboxed command, computed once from the operator's environment: credentials
 * and credential locations removed, toolchain roots made explicit. HOME and TMPDIR are set per command.
 */
export async function baseEnvironment(operatorEnv: NodeJS.ProcessEnv, secrets: readonly string[]): Promise<Record<string, string>> {
  const scrubbed = scrubEnvironment(operatorEnv, secrets);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(scrubbed)) {
    const upper = name.toUpperCase();
    // GIT_CONFIG_PARAMETERS / GIT_CONFIG_COUNT can carry an auth header; GIT_DIR and friends redirect git.
    if (upper.startsWith("GIT_") || CREDENTIAL_LOCATIONS.has(upper)) continue;
    // What npm exports to the scripts it runs (when codegen-crew itself was started by npm or npx): our
    // npm's context, including the real cache and user config, not the repository's.
    if (name.startsWith("npm_")) continue;
    env[name] = value;
  }
  const realHome = scrubbed.HOME;
  if (realHome && path.isAbsolute(realHome)) {
    for (const root of TOOLCHAIN_ROOTS) {
      if (env[root.name] !== undefined) continue;
      const dir = path.join(realHome, root.dir);
      if (!(await pathExists(dir))) continue;
      const holdsCredentials = await Promise.all(root.credentialFiles.map((file) => pathExists(path.join(dir, file))));
      if (!holdsCredentials.includes(true)) env[root.name] = dir;
    }
  }
  env.PATH ??= "/usr/local/bin:/usr/bin:/bin";
  return env;
}

/** The per-command variables: a HOME and TMPDIR of its own, and git reading no config but the one given. */
export function commandEnvironment(
  base: Record<string, string>,
  dirs: { home: string; tmp: string; gitConfig: string },
  extra: Record<string, string>,
  prependPath: string[],
): Record<string, string> {
  const env = { ...base, ...extra };
  if (prependPath.length) env.PATH = [...prependPath, base.PATH].join(path.delimiter);
  return {
    ...env,
    HOME: dirs.home,
    USERPROFILE: dirs.home,
    TMPDIR: dirs.tmp,
    GIT_CONFIG_GLOBAL: dirs.gitConfig,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_TERMINAL_PROMPT: "0",
    CI: "true",
  };
}
