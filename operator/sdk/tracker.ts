// Counts work in flight per class, and the work accepted and refused since start; pure, no I/O.

export type Release = () => void;

export class WorkTracker {
  readonly #counts = new Map<string, number>();
  readonly #onChange: () => void;
  #inFlight = 0;
  #accepted = 0;
  #refused = 0;

  /** `onChange` runs after every change of the in-flight total. */
  constructor(onChange: () => void) {
    this.#onChange = onChange;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get accepted(): number {
    return this.#accepted;
  }

  /** New work turned away because the app was quiescing, since start. */
  get refused(): number {
    return this.#refused;
  }

  refuse(): void {
    this.#refused += 1;
  }

  /** Every class seen so far, with its current count (zeros kept so the shape is stable). */
  classes(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }

  /** Starts one unit of work of `workClass`; the returned release is idempotent. */
  begin(workClass: string, accepted: boolean): Release {
    this.#counts.set(workClass, (this.#counts.get(workClass) ?? 0) + 1);
    this.#inFlight += 1;
    if (accepted) this.#accepted += 1;
    this.#onChange();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#counts.set(workClass, (this.#counts.get(workClass) ?? 1) - 1);
      this.#inFlight -= 1;
      this.#onChange();
    };
  }
}
