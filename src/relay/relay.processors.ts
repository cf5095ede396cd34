import { Processor, WorkerHost } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bullmq';
import { AppConfig } from '../config/app-config';
import { ReadinessService } from '../infrastructure/health/readiness.service';
import { DrainMailboxJob, JobName, QueueName } from './relay-queues';
import { MailboxDrainer, relayBackoff } from './mailbox-drainer';

/** Both lanes share this worker; the subclasses only bind it to their queue. */
@Injectable()
abstract class RelayProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  protected abstract readonly queueName: QueueName;
  private readonly logger = new Logger(this.constructor.name);

  constructor(
    private readonly drainer: MailboxDrainer,
    private readonly config: AppConfig,
    private readonly readiness: ReadinessService,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.workerConcurrency;
    this.worker.on('error', (err) => this.logger.warn(`Worker error: ${err.message}`));
    this.readiness.register(`worker:${this.queueName}`, () => this.worker.isRunning());
  }

  async process(job: Job<DrainMailboxJob>, token?: string): Promise<void> {
    if (job.name !== JobName.DrainMailbox) throw new Error(`Unknown job ${job.name} on ${this.queueName}`);
    await this.drainer.drain(job, token);
  }

  /** Drain active jobs before @nestjs/bullmq closes the queues (it closes both at once otherwise). */
  async beforeApplicationShutdown(): Promise<void> {
    const closing = this.worker.close();
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, this.config.shutdownGraceMs, 'timeout').unref());
    if ((await Promise.race([closing, timeout])) === 'timeout') {
      this.logger.warn(`Jobs still active after ${this.config.shutdownGraceMs} ms; closing anyway (they will be retried)`);
      await this.worker.close(true);
    }
  }
}

@Processor(QueueName.ToBot, { settings: { backoffStrategy: relayBackoff } })
export class ToBotProcessor extends RelayProcessor {
  protected readonly queueName = QueueName.ToBot;
}

@Processor(QueueName.ToAgent, { settings: { backoffStrategy: relayBackoff } })
export class ToAgentProcessor extends RelayProcessor {
  protected readonly queueName = QueueName.ToAgent;
}
