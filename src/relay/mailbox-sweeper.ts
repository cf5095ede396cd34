import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { FLEET_LEADER, FleetLease, FleetLeases } from '../infrastructure/redis/fleet-lease';
import { HEARTBEAT_MS, LocalDrains } from './local-drains';
import { LANES } from './relay-queues';
import { SessionMailbox } from './session-mailbox';

const SWEEP_INTERVAL_MS = 15000;

/**
 * Runs the mailbox recovery sweep (SessionMailbox.sweep) in every process: periodically, as soon as it sees that
 * another process's heartbeat is gone (so a dead process's local drains are taken over within seconds, whether the
 * leader is alive or not), and after its own heartbeat came back from a Redis failure (a local owner whose start was
 * lost). Only the process holding the fleet-leader lease also looks at drain jobs and unowned mailboxes, at once when
 * it takes the lease and then periodically, and each second for drain jobs overdue without a worker. Hand-overs are
 * atomic, so sweeps in several processes at once are safe.
 */
@Injectable()
export class MailboxSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MailboxSweeper.name);
  private timers: NodeJS.Timeout[] = [];
  private running?: Promise<boolean>;
  private recovering = false;
  private takingOverdue = false;
  private leader?: FleetLease;

  constructor(
    private readonly mailbox: SessionMailbox,
    private readonly leases: FleetLeases,
    private readonly localDrains: LocalDrains,
  ) {}

  onApplicationBootstrap(): void {
    this.leader = this.leases.compete(FLEET_LEADER, { acquired: () => void this.start() });
    this.timers = [
      setInterval(() => void this.start(), SWEEP_INTERVAL_MS),
      setInterval(() => {
        if (this.localDrains.takeRecheck()) void this.start();
        void this.recoverDeadProcesses();
        if (this.leader?.held) void this.takeOverdueJobs();
      }, HEARTBEAT_MS),
    ];
    for (const timer of this.timers) timer.unref();
  }

  private start(): Promise<boolean> {
    this.running ??= this.sweep().finally(() => (this.running = undefined));
    return this.running;
  }

  /**
   * Sweeps when a process died, then forgets it once a sweep went over every lane: its local owners were handed to
   * new owners. While Redis fails (a failover) the process stays listed and the next look sweeps again.
   */
  async recoverDeadProcesses(): Promise<void> {
    if (this.recovering) return;
    this.recovering = true;
    try {
      const dead = await this.localDrains.deadProcesses();
      if (dead.length === 0) return;
      this.logger.log(`Process(es) ${dead.join(', ')} stopped their heartbeat; taking over their mailboxes`);
      await this.running;
      if (await this.start()) await this.localDrains.forget(dead);
    } catch (err) {
      this.logger.warn(`Looking for dead processes failed: ${(err as Error).message}`);
    } finally {
      this.recovering = false;
    }
  }

  /** The fleet leader, each second: drain jobs due for a while that no worker took (SessionMailbox.takeOverdueJobs). */
  async takeOverdueJobs(): Promise<void> {
    if (this.takingOverdue) return;
    this.takingOverdue = true;
    try {
      for (const lane of LANES) {
        const taken = await this.mailbox.takeOverdueJobs(lane);
        if (taken > 0) this.logger.warn(`Took over ${taken} ${lane} drain job(s) that no worker had taken`);
      }
    } catch (err) {
      this.logger.warn(`Looking for overdue drain jobs failed: ${(err as Error).message}`);
    } finally {
      this.takingOverdue = false;
    }
  }

  /** Whether every lane was swept. */
  async sweep(): Promise<boolean> {
    const scope = { jobs: this.leader?.held ?? false };
    let complete = true;
    for (const lane of LANES) {
      try {
        const recovered = await this.mailbox.sweep(lane, scope);
        if (recovered > 0) this.logger.log(`Recovered ${recovered} ${lane} mailbox(es) without a live owner`);
      } catch (err) {
        this.logger.warn(`Mailbox sweep of ${lane} failed: ${(err as Error).message}`);
        complete = false;
      }
    }
    return complete;
  }

  async onApplicationShutdown(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await this.running;
  }
}
