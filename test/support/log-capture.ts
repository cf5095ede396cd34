import { Writable } from 'node:stream';

/** A pino destination that keeps every log line, so tests can assert what was (and was not) logged. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (process.env.TEST_LOGS === '1') process.stdout.write(chunk);
    callback();
  }

  text(): string {
    return this.lines.join('\n');
  }
}
