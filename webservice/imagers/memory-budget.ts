/**
 * The memory budget of heavy answers (SPEC §5.2 under load): each frame answer reserves the bytes it will
 * hold while it is encoded and sent (a streamed JSON frame a few chunks, a PNG its raw and encoded
 * image) before it allocates them, and gives them back when its response closes. Beyond the budget the
 * answer is refused with 503 and `Retry-After` instead of taking the process's memory with it. An answer
 * larger than the whole budget is admitted only while nothing else is held.
 */
import type { Services } from '../services';

export class MemoryBudget {
  private held = 0;

  constructor(readonly maxBytes: number) {}

  /** Reserves `bytes`; the returned function gives them back (once). Undefined when they do not fit. */
  reserve(bytes: number): (() => void) | undefined {
    if (this.held > 0 && this.held + bytes > this.maxBytes) return undefined;
    this.held += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held -= bytes;
    };
  }

  get heldBytes(): number {
    return this.held;
  }
}

const budgets = new WeakMap<Services, MemoryBudget>();

/** The budget shared by every frame answer of one service. */
export function answerBudgetOf(services: Services): MemoryBudget {
  let budget = budgets.get(services);
  if (!budget) {
    budget = new MemoryBudget(services.config.imagersMemoryBudgetBytes);
    budgets.set(services, budget);
  }
  return budget;
}
