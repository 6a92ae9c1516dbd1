import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runProcess } from "../../src/core/checks/process-runner.js";
import { networkIsolation, probeNetworkIsolation } from "../../src/core/checks/sandbox.js";

let dir: string;
let server: Server;
let port: number;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "crew-sandbox-test-"));
  server = createServer((socket) => socket.end("hello from the host\n"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

/** Exits 0 and prints "connected" when it reaches the host's server, exits 3 with the error code otherwise. */
const connectScript = (target: number) =>
  `const s = require("net").connect(${target}, "127.0.0.1");` +
  `s.on("data", () => { console.log("connected"); process.exit(0); });` +
  `s.on("error", (e) => { console.log("no connection: " + e.code); process.exit(3); });` +
  `setTimeout(() => { console.log("no connection: timeout"); process.exit(3); }, 3000);`;

describe("network isolation", () => {
  it("keeps a command off the host's network when isolation is available, and says which it was", async () => {
    const isolation = await networkIsolation();
    const result = await runProcess({ command: [process.execPath, "-e", connectScript(port)], cwd: dir, timeoutMs: 10_000 });
    if (isolation.available) {
      expect(result.network).toMatch(/^network: isolated \(unshare/);
      expect(result.exitCode).toBe(3);
      expect(result.output).toContain("no connection");
    } else {
      expect(result.network).toMatch(/^network: NOT isolated: \S/);
      expect(result.exitCode).toBe(0);
    }
  });

  it("reaches the network when a command is allowed to (dependency installs)", async () => {
    const result = await runProcess({ command: [process.execPath, "-e", connectScript(port)], cwd: dir, timeoutMs: 10_000, network: "allowed" });
    expect(result.network).toBe("network: allowed (dependency install)");
    expect(result.output).toContain("connected");
    expect(result.exitCode).toBe(0);
  });

  it("still gives the command a working loopback of its own, for tests that start local servers", async () => {
    const isolation = await networkIsolation();
    const script =
      `const net = require("net"); const srv = net.createServer((c) => c.end("pong"));` +
      `srv.listen(0, "127.0.0.1", () => { net.connect(srv.address().port, "127.0.0.1").on("data", (d) => { console.log(String(d)); process.exit(0); }); });`;
    const result = await runProcess({ command: [process.execPath, "-e", script], cwd: dir, timeoutMs: 10_000 });
    if (!isolation.available || isolation.loopback) {
      expect(result.output).toContain("pong");
      expect(result.exitCode).toBe(0);
    } else {
      expect(result.network).toContain("loopback unavailable");
    }
  });

  it("reports why isolation is unavailable when unshare fails or is missing", async () => {
    const fakeBin = path.join(dir, "fake-bin");
    await mkdir(fakeBin, { recursive: true });
    await writeFile(path.join(fakeBin, "unshare"), "#!/bin/sh\necho 'unshare: unshare failed: Operation not permitted' >&2\nexit 1\n");
    await chmod(path.join(fakeBin, "unshare"), 0o755);
    const failing = await probeNetworkIsolation(fakeBin);
    expect(failing.available).toBe(false);
    expect(failing.reason).toContain("Operation not permitted");
    const missing = await probeNetworkIsolation(path.join(dir, "no-such-bin"));
    expect(missing).toMatchObject({ available: false, reason: "`unshare` (util-linux) is not installed" });
  });
});

describe("credentials on disk", () => {
  it("gives the command an empty HOME and no global or system git config, so planted credentials stay unseen", async () => {
    const realHome = path.join(dir, "real-home");
    await mkdir(realHome, { recursive: true });
    const token = "ghp_plantedTokenValue0123456789";
    await writeFile(path.join(realHome, ".git-credentials"), `https://x-access-token:${token}@github.com\n`);
    await writeFile(path.join(realHome, ".gitconfig"), `[credential]\n\thelper = store\n[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic ${token}\n`);
    await writeFile(path.join(realHome, ".npmrc"), `//registry.npmjs.org/:_authToken=${token}\n`);
    const script = [
      'echo "HOME=$HOME"',
      'ls -A "$HOME"; echo "listing done"',
      'cat ~/.git-credentials 2>&1 || echo "no git-credentials"',
      'git config --global --list 2>&1 || echo "no global git config"',
      'git config --list 2>&1 | grep -i -e extraheader -e credential || echo "no credential settings"',
      "env",
    ].join("\n");
    const result = await runProcess({
      command: script,
      cwd: dir,
      timeoutMs: 10_000,
      env: {
        PATH: process.env.PATH,
        HOME: realHome,
        GITHUB_TOKEN: "ghs_envTokenValue",
        OPENAI_API_KEY: "sk-env-key-value",
        "npm_config_//registry.npmjs.org/:_authToken": token,
        GIT_CONFIG_PARAMETERS: `'http.extraheader'='AUTHORIZATION: basic ${token}'`,
        SSH_AUTH_SOCK: "/tmp/agent.sock",
        XDG_CONFIG_HOME: realHome,
      },
      secrets: ["sk-env-key-value"],
    });
    expect(result.exitCode).toBe(0);
    const home = /^HOME=(.+)$/m.exec(result.output)?.[1];
    expect(home).toBeDefined();
    expect(home).not.toBe(realHome);
    expect(result.output).toMatch(/HOME=.+\nlisting done/); // the fresh HOME is empty
    expect(result.output).toContain("no git-credentials");
    expect(result.output).toContain("no credential settings");
    expect(result.output).toContain("GIT_CONFIG_GLOBAL=/dev/null");
    expect(result.output).toContain("GIT_CONFIG_NOSYSTEM=1");
    for (const leaked of [token, "ghs_envTokenValue", "sk-env-key-value", "GITHUB_TOKEN", "OPENAI_API_KEY", "SSH_AUTH_SOCK", "XDG_CONFIG_HOME", "GIT_CONFIG_PARAMETERS", realHome]) {
      expect(result.output).not.toContain(leaked);
    }
  });
});
