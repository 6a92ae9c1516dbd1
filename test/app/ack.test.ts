import { afterEach, describe, expect, it } from "vitest";
import type { QueueEvent } from "../../src/app/queue-events.js";
import type { RunningApp } from "../../src/app/start-app.js";
import { startHeldProxy, type HeldProxy } from "../support/held-proxy.js";
import { addLabelledIssue, addRepo, deliver, labeled, OWNER, REPO_FILES, startTestApp, startWorld, waitFor, type AppWorld } from "./app-fixture.js";

let world: AppWorld | undefined;
let app: RunningApp | undefined;
let proxy: HeldProxy | undefined;
afterEach(async () => {
  await app?.close(5_000);
  await proxy?.close();
  await world?.close();
  app = undefined;
  proxy = undefined;
  world = undefined;
});

const REPOS = ["one", "two", "three", "four", "five"];
const ISSUES = [1, 2, 3, 4];

type Finished = Extract<QueueEvent, { type: "finished" }>;

describe("the webhook's answer (in-process queue)", () => {
  it("answers 20 label deliveries of a new installation before GitHub has answered anything; the jobs then check the label, and other labels end skipped without a word", async () => {
    world = await startWorld();
    // The repositories use their own trigger label: "codegen" means nothing to them.
    for (const repo of REPOS) {
      await addRepo(world, repo, { ...REPO_FILES, ".github/codegen-crew.yml": "label: ai-fix\n" });
      for (const number of ISSUES) await addLabelledIssue(world, repo, number, { label: "codegen", sender: "mallory" });
    }
    // Every GitHub request of the app waits behind the proxy until released: an answer that needed one could not come.
    proxy = await startHeldProxy(world.github.apiUrl);
    const started = await startTestApp(world, { GHE_HOST: proxy.host, CODEGEN_CONCURRENCY: "2" });
    app = started.app;
    const events: QueueEvent[] = [];
    app.jobEvents!.subscribe((event) => events.push(event));

    const answers = await Promise.all(
      REPOS.flatMap((repo) => ISSUES.map((number) => deliver(app!.url, "issues", labeled(world!, repo, number, { label: "codegen", sender: "mallory" })))),
    );

    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
    expect(world.github.requests).toEqual([]);
    expect(world.github.mintedTokens).toEqual([]);
    expect(started.lines.filter((line) => line.enqueue === "queued")).toHaveLength(20);

    proxy.release();
    await waitFor("every job to end", () => events.filter((event) => event.type === "finished").length === 20);
    for (const event of events.filter((e): e is Finished => e.type === "finished")) {
      expect(event.outcome).toMatchObject({ result: "skipped", message: 'the label "codegen" is not the trigger label "ai-fix"' });
    }
    // Quietly: no comment, no reaction, no clone, no model call.
    for (const repo of REPOS) for (const number of ISSUES) expect(world.github.comments(OWNER, repo, number)).toEqual([]);
    expect(world.github.requests.filter((request) => request.method !== "GET" && !request.path.endsWith("/access_tokens"))).toEqual([]);
    expect(world.github.requests.filter((request) => request.kind === "git")).toEqual([]);
    expect(world.model.requests).toEqual([]);

    // The jobs read each repository's label: now the webhook drops "codegen" itself and queues "ai-fix".
    const lines = started.lines.length;
    world.github.labelIssue(OWNER, "one", 1, "ai-fix", "mallory");
    const again = await deliver(app.url, "issues", labeled(world, "one", 1, { label: "codegen", sender: "mallory" }));
    const trigger = await deliver(app.url, "issues", labeled(world, "one", 1, { label: "ai-fix", sender: "mallory" }));
    expect([again.status, trigger.status]).toEqual([200, 200]);
    const fresh = started.lines.slice(lines);
    expect(fresh.filter((line) => line.deliveryId === again.deliveryId && line.enqueue)).toEqual([]);
    expect(fresh.find((line) => line.deliveryId === again.deliveryId && /ignored/.test(line.msg))?.msg).toMatch(/is not the trigger label "ai-fix"/);
    expect(fresh.filter((line) => line.enqueue).map((line) => [line.deliveryId, line.enqueue])).toEqual([[trigger.deliveryId, "queued"]]);
    // "ai-fix" passes the job's check: the run itself refuses mallory, who may not write.
    await waitFor("the ai-fix job", () => events.filter((event) => event.type === "finished").length === 21);
    expect(world.github.comments(OWNER, "one", 1).map((comment) => comment.body)).toEqual([expect.stringMatching(/@mallory: codegen-crew only acts for people with write access/)]);
    expect(world.github.violations).toEqual([]);
  });
});
