import { BudgetExceededError, type ErrorContext } from "../errors.js";

export interface BudgetLimits {
  tokens: number;
  costUsd: number;
  minutes: number;
}

/**
 * The run's spending limits. Checked before each model call, so the call that would cross a limit is
 * never sent and the run stops with its work so far; the deadline also bounds every retry wait.
 */
export class RunBudget {
  readonly limits: Readonly<BudgetLimits>;
  private readonly now: () => number;
  private readonly startedAt: number;
  private tokens = 0;
  private costUsd = 0;

  constructor(limits: BudgetLimits, now: () => number = Date.now) {
    this.limits = { ...limits };
    this.now = now;
    this.startedAt = now();
  }

  /** Epoch ms when the time budget ends. */
  deadline(): number {
    return this.startedAt + this.limits.minutes * 60_000;
  }

  remainingMs(): number {
    return Math.max(0, this.deadline() - this.now());
  }

  /**
   * Throws when the time is up or when the estimated call would push tokens or cost past a limit.
   * Only the prompt counts against tokens here: the completion's size is unknown until it arrives.
   */
  check(estimate: { promptTokens: number; costUsd: number }, context: ErrorContext): void {
    const exceeded = this.excess(estimate, context);
    if (exceeded) throw exceeded;
  }

  /** Whether `check` would let a call with this estimate through. */
  allows(estimate: { promptTokens: number; costUsd: number }): boolean {
    return this.excess(estimate, {}) === undefined;
  }

  private excess(estimate: { promptTokens: number; costUsd: number }, context: ErrorContext): BudgetExceededError | undefined {
    if (this.remainingMs() <= 0) return new BudgetExceededError("minutes", this.elapsedMinutes(), this.limits.minutes, context);
    const tokens = this.tokens + estimate.promptTokens;
    if (tokens > this.limits.tokens) return new BudgetExceededError("tokens", tokens, this.limits.tokens, context);
    const cost = this.costUsd + estimate.costUsd;
    if (cost > this.limits.costUsd) return new BudgetExceededError("cost_usd", cost, this.limits.costUsd, context);
    return undefined;
  }

  add(tokens: number, costUsd: number): void {
    this.tokens += tokens;
    this.costUsd += costUsd;
  }

  used(): BudgetLimits {
    return { tokens: this.tokens, costUsd: this.costUsd, minutes: this.elapsedMinutes() };
  }

  private elapsedMinutes(): number {
    return (this.now() - this.startedAt) / 60_000;
  }
}
