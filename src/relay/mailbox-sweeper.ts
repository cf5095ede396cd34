import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { FLEET_LEADER, FleetLease, FleetLeases } from '../infrastructure/redis/fleet-lease';
import { LANES } from './relay-queues';
import { SessionMailbox } from './session-mailbox';

const SWEEP_INTERVAL_MS = 15000;

/**
 * Runs the mailbox recovery sweep once across the fleet: in the process holding the fleet-leader lease, as soon as
 * it takes the lease (at boot, or when the previous leader died: after a crash) and then periodically.
 */
@Injectable()
export class MailboxSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MailboxSweeper.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private leader?: FleetLease;

  constructor(
    private readonly mailbox: SessionMailbox,
    private readonly leases: FleetLeases,
  ) {}

  onApplicationBootstrap(): void {
    this.leader = this.leases.compete(FLEET_LEADER, { acquired: () => this.start() });
    this.timer = setInterval(() => {
      if (this.leader?.held) this.start();
    }, SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  private start(): void {
    this.running ??= this.sweep().finally(() => (this.running = undefined));
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
