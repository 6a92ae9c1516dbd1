import { runHostCommand } from "../core/checks/host-command.js";
import { findExecutable } from "../core/checks/weak-network.js";

/**
 * GitHub's Ubuntu runners may lack bubblewrap, which the strong sandbox tier needs; their `runner` user has
 * passwordless sudo, so the Action installs Debian/Ubuntu's `bubblewrap` package when it is missing. Where
 * sudo or apt-get is unavailable the run goes on in a lower tier (warned); docs/security.md gives the one-line
 * workflow step that installs it instead.
 */
export async function installBubblewrap(log: { info(message: string): void; warn(message: string): void }): Promise<void> {
  if (process.platform !== "linux" || (await findExecutable("bwrap", "/usr/bin:/bin:/usr/local/bin"))) return;
  const sudo = process.getuid?.() === 0 ? [] : ["sudo", "-n"];
  const run = (args: string[]) => {
    const [file, ...rest] = [...sudo, ...args] as [string, ...string[]];
    return runHostCommand(file, rest, { timeoutMs: 5 * 60_000 });
  };
  if (sudo.length && (await run(["true"])).exitCode !== 0) {
    log.warn("bubblewrap is not installed and sudo needs a password: add `sudo apt-get install -y bubblewrap` as a step before codegen-crew for the strong sandbox");
    return;
  }
  log.info("installing bubblewrap (apt-get) for the sandbox");
  const update = await run(["apt-get", "update", "-qq"]);
  const install = update.exitCode === 0 ? await run(["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-qq", "bubblewrap"]) : update;
  if (install.exitCode !== 0) log.warn(`could not install bubblewrap: ${install.stderr.trim().split("\n").slice(-2).join(" ") || `exit code ${install.exitCode}`}`);
}
