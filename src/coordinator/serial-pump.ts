/**
 * Runs the coordinator's pump one at a time and never loses a kick: a kick while a pump runs
 * makes it run once more after it; a kick after the last run's final check starts a new run.
 * The run's end (its last `again` check and clearing `running`) is one synchronous step, so no
 * kick can fall between "decided to stop" and "stopped", the race that once stalled a study
 * (test/coordinator/serial-pump.test.ts kicks at every microtask offset around that step).
 */
export class SerialPump {
  private running: Promise<void> | undefined;
  private again = false;

  /**
   * `pump` does one round of work; `wrap` runs it under the caller's guard (which logs and
   * retries failures) and must call it at once; `closed` ends the loop.
   */
  constructor(
    private readonly pump: () => Promise<void>,
    private readonly wrap: (work: () => Promise<void>) => void,
    private readonly closed: () => boolean,
  ) {}

  /** The current run, to wait for on shutdown (undefined when idle). */
  get current(): Promise<void> | undefined {
    return this.running;
  }

  kick(): void {
    if (this.closed()) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = new Promise<void>((resolve) => {
      this.wrap(async () => {
        try {
          do {
            this.again = false;
            await this.pump();
          } while (this.again && !this.closed());
        } finally {
          // Cleared in the same step as the last `again` check (see above).
          this.running = undefined;
          resolve();
        }
      });
    });
  }
}
