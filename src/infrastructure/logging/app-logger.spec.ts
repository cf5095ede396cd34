import { Logger } from '@nestjs/common';
import pino from 'pino';
import { Writable } from 'node:stream';
import { AppLogger } from './app-logger';

function capture(level = 'debug'): { lines: Record<string, unknown>[]; logger: AppLogger } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(
        ...chunk
          .toString()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>),
      );
      done();
    },
  });
  return { lines, logger: new AppLogger(pino({ level }, stream)) };
}

describe('AppLogger (Nest logger on pino)', () => {
  afterEach(() => Logger.overrideLogger(false));

  it('writes Nest Logger calls as JSON lines with the context', () => {
    const { lines, logger } = capture();
    Logger.overrideLogger(logger);
    const log = new Logger('Relay');
    log.log('started');
    log.warn('slow');
    log.error('failed', 'Error: boom\n    at x');
    expect(lines).toEqual([
      expect.objectContaining({ level: 30, context: 'Relay', msg: 'started' }),
      expect.objectContaining({ level: 40, context: 'Relay', msg: 'slow' }),
      expect.objectContaining({ level: 50, context: 'Relay', msg: 'failed', stack: 'Error: boom\n    at x' }),
    ]);
  });

  it('serialises errors and merges objects', () => {
    const { lines, logger } = capture();
    logger.error(new Error('broken'), 'Ctx');
    logger.log({ jobs: 3 }, 'Ctx');
    expect(lines[0]).toMatchObject({ level: 50, context: 'Ctx', msg: 'broken', err: { message: 'broken' } });
    expect(lines[1]).toMatchObject({ level: 30, context: 'Ctx', jobs: 3 });
  });

  it('does no work below its level', () => {
    const { lines, logger } = capture('warn');
    logger.log('ignored', 'Ctx');
    logger.debug('ignored', 'Ctx');
    logger.warn('kept', 'Ctx');
    expect(lines).toEqual([expect.objectContaining({ msg: 'kept' })]);
  });
});
