// A check command written like model output that tries every escape docs/security.md lists, and two
// positive controls. It prints one RESULT line: what it could reach from inside. The test judges it from
// outside too (what reached the listeners, what was written on the host, what still runs).
import { execFileSync, spawn } from "node:child_process";
import dgram from "node:dgram";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";

const cfg = JSON.parse(process.argv[2]);
const read = (file) => {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
};
const attempt = (fn) => {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
};
const connects = (target) =>
  new Promise((resolve) => {
    const socket = typeof target === "string" ? net.connect(target) : net.connect(target, "127.0.0.1");
    socket.on("connect", () => {
      socket.end();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
    setTimeout(() => resolve(false), 2000);
  });

const out = {};
const pids = [...fs.readdirSync("/proc").filter((name) => /^\d+$/.test(name)), ...cfg.pids.map(String)];
out.environ = pids.some((pid) => read(`/proc/${pid}/environ`).includes(cfg.canary));
out.home = read(cfg.homeCanary).includes(cfg.canary);
out.sibling = read(cfg.siblingCanary).includes(cfg.canary);
out.tcp = await connects(cfg.tcpPort);
await new Promise((resolve) => {
  const socket = dgram.createSocket("udp4");
  socket.on("error", () => resolve());
  socket.send(cfg.canary, cfg.udpPort, "127.0.0.1", () => {
    socket.close();
    resolve();
  });
});
out.unix = await connects(cfg.unixSocket);
for (const file of cfg.outside) attempt(() => fs.writeFileSync(file, cfg.canary));
out.gitConfig = attempt(() => fs.appendFileSync(`${cfg.gitDir}/config`, "\n[core]\n\tfsmonitor = touch /tmp/pwned\n"));
out.gitHook = attempt(() => fs.writeFileSync(`${cfg.gitDir}/hooks/post-commit`, "#!/bin/sh\ntouch /tmp/pwned\n", { mode: 0o755 }));
out.gitPointer = attempt(() => fs.writeFileSync(".git", "gitdir: /tmp/elsewhere\n"));
out.userns = attempt(() => execFileSync("unshare", ["-U", "true"], { stdio: "ignore" }));
out.worktreeWritable = attempt(() => fs.writeFileSync("made-in-sandbox.txt", "ok"));
out.tmpWritable = attempt(() => fs.writeFileSync(`${os.tmpdir()}/scratch.txt`, "ok"));
out.loopback = await new Promise((resolve) => {
  const server = net.createServer((client) => client.end("pong"));
  server.on("error", () => resolve(false));
  server.listen(0, "127.0.0.1", () => {
    const client = net.connect(server.address().port, "127.0.0.1");
    client.on("data", (data) => {
      server.close();
      resolve(String(data) === "pong");
    });
    client.on("error", () => resolve(false));
  });
});
// A daemon in a session of its own, as a test server left behind would be.
spawn("sleep", [cfg.daemonSeconds], { detached: true, stdio: "ignore" }).unref();
console.log(`RESULT ${JSON.stringify(out)}`);
