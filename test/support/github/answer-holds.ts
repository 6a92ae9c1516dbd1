import type { RecordedRequest } from "./api-endpoint.js";
import { matches } from "./faults.js";

/** Where a held answer stands: not matched yet, held, let go because `until` held, or let go by the safety timeout. */
export type HoldState = "waiting" | "holding" | "released" | "timed out";

export interface HeldAnswer {
  readonly state: HoldState;
}

interface Hold {
  method: string;
  pattern: string | RegExp;
  until: (requests: readonly RecordedRequest[]) => boolean;
  timeoutMs: number;
  state: HoldState;
  wake?: () => void;
}

/**
 * Answers held back until other requests have arrived: a request performed but unanswered while the client
 * sends the next ones shows, by order alone and without timing anything, that the client did not wait for it.
 * A client that does wait meets the timeout instead, and the hold says so (`timed out`).
 */
export class AnswerHolds {
  private readonly holds: Hold[] = [];

  constructor(private readonly requests: readonly RecordedRequest[]) {}

  add(method: string, pattern: string | RegExp, until: Hold["until"], timeoutMs: number): HeldAnswer {
    const hold: Hold = { method: method.toUpperCase(), pattern, until, timeoutMs, state: "waiting" };
    this.holds.push(hold);
    return hold;
  }

  /** After every arrival (its method, path and kind known): lets go of the holds whose condition now holds. */
  arrived(): void {
    for (const hold of this.holds) if (hold.state === "holding" && hold.until(this.requests)) this.letGo(hold, "released");
  }

  /** Before an API answer is sent: waits when the first waiting hold matches the request. */
  async before(method: string, path: string): Promise<void> {
    const hold = this.holds.find((candidate) => candidate.state === "waiting" && candidate.method === method.toUpperCase() && matches(candidate.pattern, path));
    if (!hold) return;
    hold.state = "holding";
    if (hold.until(this.requests)) return this.letGo(hold, "released");
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.letGo(hold, "timed out"), hold.timeoutMs);
      hold.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Lets every held answer go (the server closes). */
  releaseAll(): void {
    for (const hold of this.holds) if (hold.state === "holding") this.letGo(hold, "timed out");
  }

  private letGo(hold: Hold, state: "released" | "timed out"): void {
    hold.state = state;
    hold.wake?.();
  }
}
