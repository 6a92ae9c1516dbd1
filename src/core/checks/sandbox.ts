import { execFile } from "node:child_process";
import { constants } from "node:fs";
import { access, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { errorMessage } from "../errors.js";
import { pathExists } from "./path-exists.js";

/**
 * What the sandbox adds around a repository command besides the scrubbed environment (process-runner.ts):
 * no network where the OS allows it without privileges, an empty HOME, and no global or system git
 * config. docs/security.md says what this does and does not protect against; keep the two in step.
 */

export interface NetworkIsolation {
  available: boolean;
  /** Why isolation is unavailable (empty when available). */
  reason: string;
  /** argv put in front of the command when available: unshare, then a shell that brings up loopback. */
  prefix: string[];
  /** Whether the namespace gets a working 127.0.0.1 (tests that start local servers need it). */
  loopback: boolean;
}

export type NetworkMode = "isolated" | "allowed";

const PROBE_TIMEOUT_MS = 5_000;
/** Where iproute2 lives; resolved once so a PATH without sbin (ordinary users) still finds it. */
const IP_CANDIDATES = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"];

interface ProbeOutcome {
  ok: boolean;
  detail: string;
}

function probe(file: string, args: string[]): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: PROBE_TIMEOUT_MS, env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } }, (error, _stdout, stderr) => {
      if (!error) resolve({ ok: true, detail: "" });
      else resolve({ ok: false, detail: (stderr.trim().split("\n")[0] ?? "") || errorMessage(error) });
    });
  });
}

async function findExecutable(name: string, searchPath: string | undefined): Promise<string | null> {
  const dirs = (searchPath ?? "").split(path.delimiter).filter(Boolean);
  for (const candidate of name.includes("/") ? [name] : dirs.map((dir) => path.join(dir, name))) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * Tries, uncached: a new user namespace mapping us to root with its own (empty) network namespace, and,
 * when already root (containers), a plain network namespace. Exported for tests; use networkIsolation().
 */
export async function probeNetworkIsolation(searchPath = process.env.PATH): Promise<NetworkIsolation> {
  const none = (reason: string): NetworkIsolation => ({ available: false, reason, prefix: [], loopback: false });
  if (process.platform !== "linux") return none(`network namespaces need Linux (this is ${process.platform})`);
  const unshare = await findExecutable("unshare", searchPath);
  if (!unshare) return none("`unshare` (util-linux) is not installed");

  const attempts = [["--user", "--map-root-user", "--net"]];
  if (process.getuid?.() === 0) attempts.push(["--net"]);
  let failure = "";
  for (const flags of attempts) {
    const outcome = await probe(unshare, [...flags, "--", "true"]);
    if (!outcome.ok) {
      failure ||= `\`unshare ${flags.join(" ")}\` failed: ${outcome.detail}`;
      continue;
    }
    let ip: string | null = null;
    for (const candidate of IP_CANDIDATES) {
      if ((await findExecutable(candidate, undefined)) && (await probe(unshare, [...flags, "--", candidate, "link", "set", "lo", "up"])).ok) {
        ip = candidate;
        break;
      }
    }
    // The shell execs the command, so the process group and pid stay those of the spawned child.
    const bringUpLoopback = ip ? `${ip} link set lo up 2>/dev/null; ` : "";
    return {
      available: true,
      reason: "",
      prefix: [unshare, ...flags, "--", "/bin/sh", "-c", `${bringUpLoopback}exec "$@"`, "codegen-crew-sandbox"],
      loopback: ip !== null,
    };
  }
  return none(failure || "unshare is not permitted here");
}

let detected: Promise<NetworkIsolation> | undefined;

/** Detected once per process: the answer does not change while we run. */
export function networkIsolation(): Promise<NetworkIsolation> {
  detected ??= probeNetworkIsolation();
  return detected;
}

/** The note every command check carries, so a reviewer knows whether the code could reach the network. */
export function describeNetwork(mode: NetworkMode, isolation: NetworkIsolation): string {
  if (mode === "allowed") return "network: allowed (dependency install)";
  if (!isolation.available) return `network: NOT isolated: ${isolation.reason}`;
  return isolation.loopback ? "network: isolated (unshare)" : "network: isolated (unshare; loopback unavailable: `ip` not found)";
}

/** Variables that point tools at credentials or agents outside the environment itself. */
const CREDENTIAL_LOCATIONS = new Set([
  "SSH_AUTH_SOCK",
  "SSH_AGENT_PID",
  "GPG_AGENT_INFO",
  "NETRC",
  "DOCKER_CONFIG",
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

/** A fresh, empty HOME for one command; removed by the caller after the command ends. */
export async function createSandboxHome(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), "codegen-crew-home-"));
}

export async function removeSandboxHome(home: string): Promise<void> {
  await rm(home, { recursive: true, force: true }).catch(() => undefined);
}

/**
 * The environment inside the sandbox: `scrubbed` (credentials already removed) without variables that
 * locate credentials or git settings, with an empty HOME and git reading neither global nor system config.
 */
export async function sandboxEnvironment(scrubbed: NodeJS.ProcessEnv, home: string): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = {};
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
  return {
    ...env,
    HOME: home,
    USERPROFILE: home,
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_TERMINAL_PROMPT: "0",
    CI: "true",
  };
}
