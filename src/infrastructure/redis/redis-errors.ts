import { ReplyError } from 'ioredis';
import { MaxRetriesPerRequestError } from 'ioredis/built/errors';
import ClusterAllFailedError from 'ioredis/built/errors/ClusterAllFailedError';
import { CONNECTION_CLOSED_ERROR_MSG } from 'ioredis/built/utils';

/** System error codes of a connection to Redis that is refused, cut or unreachable. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Replies of a Redis Cluster that is failing over or lost a master: the command will work later. */
const CLUSTER_UNAVAILABLE_REPLY = /^(CLUSTERDOWN|TRYAGAIN|MASTERDOWN|LOADING|READONLY)\b/;

/**
 * The cluster client gave up following a slot that kept failing (a master died and its replica is not promoted yet).
 * ioredis has no class for it: a plain Error whose message starts with this text (cluster/index.js, handleError).
 */
const CLUSTER_REDIRECTIONS_EXHAUSTED = 'Too many Cluster redirections.';

/**
 * Whether `err` means "Redis is not reachable right now" (the caller should retry later), given the status of
 * the client the command ran on: ioredis gave up on the command (MaxRetriesPerRequestError, or on every node of a
 * cluster: ClusterAllFailedError), a cluster answered that it is down or failing over, the connection
 * failed with a system error code, the connection was closed under the command, or any error but a reply of
 * Redis itself (a ReplyError: Redis answered) came while the client is not `ready` ("Stream isn't writeable",
 * aborted commands). ioredis has no class or code for a closed connection: it rejects with a plain Error whose
 * message is its constant CONNECTION_CLOSED_ERROR_MSG, compared as a whole (the client may be `ready` again by the
 * time the error is looked at).
 */
export function isRedisUnavailableError(err: unknown, clientStatus: string): boolean {
  if (!(err instanceof Error)) return false;
  if (err instanceof MaxRetriesPerRequestError || err instanceof ClusterAllFailedError || err.message === CONNECTION_CLOSED_ERROR_MSG)
    return true;
  if (err instanceof (ReplyError as typeof Error) && CLUSTER_UNAVAILABLE_REPLY.test(err.message)) return true;
  if (err.message.startsWith(CLUSTER_REDIRECTIONS_EXHAUSTED)) return true;
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
  return clientStatus !== 'ready' && !(err instanceof (ReplyError as typeof Error));
}
