import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";

/**
 * A throwaway `redis-server` on 127.0.0.1 for the BullMQ tests: no persistence, a free port, killed
 * after. When redis-server is not installed the tests that need it are skipped with a loud warning (CI
 * installs it: `apt-get install -y redis-server`).
 */
export const HAS_REDIS = spawnSync("redis-server", ["--version"], { stdio: "ignore" }).error === undefined;

if (!HAS_REDIS) {
  console.warn(
    "\n⚠️  redis-server is not on PATH: the BullMQ (REDIS_URL) tests of the GitHub App are SKIPPED.\n" +
      "   Install it (Debian/Ubuntu: apt-get install -y redis-server) to run them.\n",
  );
}

export interface RedisServer {
  url: string;
  port: number;
  /** Stops the server (data is gone: nothing is persisted). */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    const proc = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: ["ignore", "pipe", "pipe"] });
    child = proc;
    await new Promise<void>((resolve, reject) => {
      let output = "";
      const timer = setTimeout(() => reject(new Error(`redis-server did not start on port ${port}: ${output}`)), 10_000);
      proc.stdout!.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("Ready to accept connections")) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}: ${output}`));
      });
    });
    proc.removeAllListeners("exit");
  };
  const stop = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    proc.kill("SIGKILL");
    await exited;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, stop, start };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
