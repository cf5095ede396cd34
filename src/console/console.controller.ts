import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { Controller, Get, Logger, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CONSOLE_CSP } from './console-csp';

/**
 * The console's own files: next to this file in src/console/public, copied to dist/console/public by `nest build`
 * (nest-cli.json). A build by plain `tsc` has no copy; run from a checkout, the sources' folder serves then.
 */
const PUBLIC = [join(__dirname, 'public'), resolve('src/console/public')].find((dir) => existsSync(join(dir, 'index.html')));
/** Chart.js's self-contained browser build, served from node_modules (a production dependency). */
const CHART_JS = join(dirname(require.resolve('chart.js')), 'chart.umd.min.js');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** GET /console: the operator console, a static page that calls the admin API with the token the operator enters. */
@ApiExcludeController()
@Controller('console')
export class ConsoleController {
  /** Every file the console may serve, by name (read once: nothing else on disk is reachable). */
  private readonly assets = new Map(
    PUBLIC
      ? readdirSync(PUBLIC)
          .filter((name) => TYPES[extname(name)] && name !== 'index.html')
          .map((name) => [name, join(PUBLIC, name)])
      : [],
  );

  constructor() {
    if (!PUBLIC)
      new Logger(ConsoleController.name).warn(
        'The console files are missing from this build (npm run build copies them): /console answers 404',
      );
  }

  @Get()
  page(@Res() res: FastifyReply): Promise<void> {
    if (!PUBLIC) throw new NotFoundException('The console files are missing from this build');
    return this.send(res, join(PUBLIC, 'index.html'));
  }

  @Get('assets/:file')
  asset(@Param('file') file: string, @Res() res: FastifyReply): Promise<void> {
    const path = this.assets.get(file);
    if (!path) throw new NotFoundException(`No console asset ${file}`);
    return this.send(res, path);
  }

  @Get('vendor/chart.umd.min.js')
  chart(@Res() res: FastifyReply): Promise<void> {
    return this.send(res, CHART_JS);
  }

  private async send(res: FastifyReply, path: string): Promise<void> {
    const content = await readFile(path);
    res
      .header('Content-Security-Policy', CONSOLE_CSP)
      .header('Content-Type', TYPES[extname(path)])
      .header('Cache-Control', 'no-cache')
      .send(content);
  }
}
