// Sends webhook deliveries from a process of its own and times each answer. The bench process also runs the
// GitHub stand-in and the scripted model, and after minutes of work its event loop and heap slow down the
// answers it reads (GitHub's own sender does not share the app's machine either); a fresh small process
// reads them as the app gives them. Requests use node:http, already loaded, so the first is not slower.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { sign } from "../test/app/app-fixture.js";

export interface SentDelivery {
  ms: number;
  status: number;
}

const CLIENT = `
const http = require("node:http");
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", async () => {
  const { url, deliveries, rounds } = JSON.parse(input);
  const target = new URL(url);
  const one = ({ headers, body }) =>
    new Promise((resolve) => {
      const started = performance.now();
      const request = http.request(target, { method: "POST", headers: { ...headers, "content-length": Buffer.byteLength(body) } }, (response) => {
        response.resume();
        response.on("end", () => resolve({ ms: performance.now() - started, status: response.statusCode }));
      });
      request.on("error", () => resolve({ ms: performance.now() - started, status: 0 }));
      request.end(body);
    });
  const answers = [];
  for (let round = 0; round < rounds; round++) answers.push(await Promise.all(deliveries.map(one)));
  process.stdout.write(JSON.stringify(answers));
});
`;

/**
 * Every delivery at once, signed as GitHub signs them; the answers in the order given. With `rounds` > 1 the
 * same deliveries go again, each round once the last has been answered (its connections kept alive).
 */
export async function sendDeliveries(appUrl: string, deliveries: { event: string; payload: unknown }[], rounds = 1): Promise<SentDelivery[][]> {
  const prepared = deliveries.map(({ event, payload }) => {
    const body = JSON.stringify(payload);
    return { body, headers: { "content-type": "application/json", "x-github-event": event, "x-github-delivery": randomUUID(), "x-hub-signature-256": sign(body) } };
  });
  const child = spawn(process.execPath, ["-e", CLIENT], { stdio: ["pipe", "pipe", "inherit"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  child.stdin.end(JSON.stringify({ url: `${appUrl}/api/github/webhooks`, deliveries: prepared, rounds }));
  const code = await exited;
  if (code !== 0) throw new Error(`the delivery client exited with code ${code}`);
  return JSON.parse(output) as SentDelivery[][];
}
