import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { LANES } from './relay-queues';
import { SessionMailbox } from './session-mailbox';

const SWEEP_INTERVAL_MS = 15000;

/** Runs the mailbox recovery sweep at boot (after a crash) and then periodically. */
@Injectable()
export class MailboxSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MailboxSweeper.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly mailbox: SessionMailbox) {}

  onApplicationBootstrap(): void {
    this.running = this.sweep();
    this.timer = setInterval(() => {
      this.running = this.sweep();
    }, SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  async sweep(): Promise<void> {
    for (const lane of LANES) {
      try {
        const recovered = await this.mailbox.sweep(lane);
        if (recovered > 0) this.logger.log(`Recovered ${recovered} ${lane} mailbox(es) without a drain job`);
      } catch (err) {
        this.logger.warn(`Mailbox sweep of ${lane} failed: ${(err as Error).message}`);
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
