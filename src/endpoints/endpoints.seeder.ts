import { readFile } from 'node:fs/promises';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { parseEndpointsFile } from './endpoints-file';
import { EndpointsService } from './endpoints.service';

/**
 * Declarative endpoints: at boot, every entry of ENDPOINTS_FILE is created or replaced (GitOps). A missing file
 * is fine; an invalid one stops the boot before anything is written.
 */
@Injectable()
export class EndpointsSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger(EndpointsSeeder.name);

  constructor(
    private readonly endpoints: EndpointsService,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const file = this.config.endpointsFile;
    const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw new Error(`${file}: ${err.message}`);
    });
    if (text === undefined) {
      this.logger.log(`No endpoints file at ${file}: nothing to seed`);
      return;
    }
    // The only process.env read outside AppConfig: `${VAR}` references are named by the file, not known in advance.
    const seeds = parseEndpointsFile(file, text, (input, path) => this.endpoints.parse(input, path), process.env);
    for (const [index, { spec, apiKey }] of seeds.entries()) {
      const outcome = await this.endpoints.upsert(spec, { apiKey }).catch((err: Error) => {
        throw new Error(`${file}: endpoints[${index}]: ${err.message}`);
      });
      this.logger.log(`Endpoint ${spec.id} from ${file}: ${outcome}`);
    }
  }
}
