import { BadRequestException } from '@nestjs/common';

/** The `limit` of a listing: 1 to 500. */
export function pageSize(limit: number): number {
  if (limit < 1 || limit > 500) throw new BadRequestException('limit must be between 1 and 500');
  return limit;
}
