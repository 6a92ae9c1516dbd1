import { execFile } from "node:child_process";
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import path from "node:path";
import { errorMessage } from "../errors.js";

/**
 * The weak tier's only isolation: a network namespace made with `unshare` where the OS allows it without
 * bubblewrap (a user namespace mapping us to root, or a plain one when already root).
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

const PROBE_TIMEOUT_MS = 5_000;
/** Where iproute2 lives; resolved once so a PATH without sbin (ordinary users) still finds it. */
const IP_CANDIDATES = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"];

interface ProbeOutcome {
  ok: boolean;
  detail: string;
}

function probe(file: string, args: string[], searchPath: string): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: PROBE_TIMEOUT_MS, env: { PATH: searchPath } }, (error, _stdout, stderr) => {
      if (!error) resolve({ ok: true, detail: "" });
      else resolve({ ok: false, detail: (stderr.trim().split("\n")[0] ?? "") || errorMessage(error) });
    });
  });
}

export async function findExecutable(name: string, searchPath: string | undefined): Promise<string | null> {
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

/** Tries, uncached: `unshare --user --map-root-user --net`, and when already root, `unshare --net`. */
export async function probeNetworkIsolation(searchPath: string): Promise<NetworkIsolation> {
  const none = (reason: string): NetworkIsolation => ({ available: false, reason, prefix: [], loopback: false });
  if (process.platform !== "linux") return none(`network namespaces need Linux (this is ${process.platform})`);
  const unshare = await findExecutable("unshare", searchPath);
  if (!unshare) return none("`unshare` (util-linux) is not installed");

  const attempts = [["--user", "--map-root-user", "--net"]];
  if (process.getuid?.() === 0) attempts.push(["--net"]);
  let failure = "";
  for (const flags of attempts) {
    const outcome = await probe(unshare, [...flags, "--", "true"], searchPath);
    if (!outcome.ok) {
      failure ||= `\`unshare ${flags.join(" ")}\` failed: ${outcome.detail}`;
      continue;
    }
    let ip: string | null = null;
    for (const candidate of IP_CANDIDATES) {
      if ((await findExecutable(candidate, undefined)) && (await probe(unshare, [...flags, "--", candidate, "link", "set", "lo", "up"], searchPath)).ok) {
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

export function describeWeakNetwork(isolation: NetworkIsolation): string {
  if (!isolation.available) return `network: NOT isolated: ${isolation.reason}`;
  return isolation.loopback ? "network: isolated (unshare)" : "network: isolated (unshare; loopback unavailable: `ip` not found)";
}
