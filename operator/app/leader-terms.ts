// The leader-only controllers across terms of leadership: started from the synced caches when a term begins,
// stopped when it ends, never started twice, never started for a term that already ended.

/** What a term runs: start() after the caches synced; stop() resolves once the runs it interrupted returned. */
export interface TermControllers {
  start(): void;
  stop(): Promise<void>;
}

export interface LeaderTerms {
  /** A term begins: the controllers start once the caches synced; resolves true when they did. */
  begin(): Promise<boolean>;
  /** The term ends: the controllers stop taking work; resolves once their interrupted runs returned. */
  end(): Promise<void>;
  /** The operator stops: ends the term and begins none again. */
  close(): Promise<void>;
  /** Whether the controllers run now. */
  running(): boolean;
  /** Terms begun so far (a new term after a step-down counts). */
  terms(): number;
}

export function leaderTerms(deps: {
  controllers: TermControllers;
  waitForSync: () => Promise<void>;
  /** Called each time the controllers start, with the term's number (1 for the first). */
  onStarted?: (term: number) => void;
}): LeaderTerms {
  let current = 0;
  let begun = 0;
  let running = false;
  let closed = false;
  let stopping: Promise<void> = Promise.resolve();
  const end = (): Promise<void> => {
    current++;
    if (!running) return stopping;
    running = false;
    stopping = deps.controllers.stop();
    return stopping;
  };
  return {
    async begin() {
      if (closed) return false;
      const term = ++current;
      begun++;
      const number = begun;
      await deps.waitForSync();
      // Ended (or closed) while the caches synced: this term never runs.
      if (term !== current || closed || running) return false;
      running = true;
      deps.controllers.start();
      deps.onStarted?.(number);
      return true;
    },
    end,
    close() {
      closed = true;
      return end();
    },
    running: () => running,
    terms: () => begun,
  };
}
