import { BadRequestException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/**
 * The JSON of a webhook whose raw bytes were just authenticated. A body sent as `application/json` was parsed
 * already by the body parser (app.setup.ts) and is taken as it is; any other declared type is parsed here (the
 * signature covers the bytes, not the header). Not JSON: 400.
 */
export function signedJsonBody(req: FastifyRequest, raw: Buffer): unknown {
  const mediaType = req.headers['content-type']?.split(';')[0].trim().toLowerCase();
  if (mediaType === 'application/json' && raw.length > 0 && req.body !== undefined) return req.body;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new BadRequestException('The body is not JSON');
  }
}
