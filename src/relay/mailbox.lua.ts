/**
 * Lua for the per-session mailboxes. A mailbox is a Redis list per (lane, session) plus an "owner" key naming
 * the one drain job allowed to deliver from it, so each session is delivered strictly in order whatever the
 * worker concurrency or number of processes. Producers push and, when nobody owns the mailbox, become the
 * owner's creator (the caller then adds the drain job with that id). The owner releases the mailbox only when
 * it is empty, atomically, so no entry is ever left without a drain job.
 */

/** Shared by every script that appends to a mailbox (also the handover transitions), so the rule lives once. */
export const LUA_MAILBOX_PUSH = `
local function mailbox_push(mbox, owner, active, ref, entry, new_owner)
  redis.call('RPUSH', mbox, entry)
  redis.call('SADD', active, ref)
  if redis.call('SET', owner, new_owner, 'NX') then return new_owner end
  return false
end
`;

/**
 * KEYS: mbox, owner, active, dedupe ('' for none), guard hash ('' for none)
 * ARGV: entry, new_owner, ref, dedupe_ttl_seconds
 * Returns: {'dup'} | {'rejected'} | {'queued', kick_owner_or_empty}
 */
export const LUA_PUSH = `${LUA_MAILBOX_PUSH}
if KEYS[5] ~= '' then
  local state = redis.call('HGET', KEYS[5], 'state')
  if (not state) or state == 'ended' then return {'rejected'} end
end
if KEYS[4] ~= '' then
  if not redis.call('SET', KEYS[4], '1', 'NX', 'EX', tonumber(ARGV[4])) then return {'dup'} end
end
local kick = mailbox_push(KEYS[1], KEYS[2], KEYS[3], ARGV[3], ARGV[1], ARGV[2])
return {'queued', kick or ''}
`;

/** The head entry, or (when the mailbox is empty) release it: the owner lets go only of an empty mailbox. */
const HEAD_OR_RELEASE = `
local function head_or_release(owner, mbox, active, ref)
  local head = redis.call('LINDEX', mbox, 0)
  if head then return {'head', head} end
  redis.call('DEL', owner)
  redis.call('SREM', active, ref)
  return {'empty'}
end
`;

/**
 * KEYS: owner, mbox, active   ARGV: me, ref
 * Returns {'not-owner'} | {'empty'} (and the mailbox is released) | {'head', entry}
 */
export const LUA_PEEK = `${HEAD_OR_RELEASE}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'not-owner'} end
return head_or_release(KEYS[1], KEYS[2], KEYS[3], ARGV[2])
`;

/**
 * Removes the delivered head and returns the next one, so a drain costs one round trip per entry.
 * KEYS: owner, mbox, active   ARGV: me, delivered entry, ref
 * Returns {'not-owner'} (nothing removed) | {'empty'} (and the mailbox is released) | {'head', next entry}
 */
export const LUA_ACK_NEXT = `${HEAD_OR_RELEASE}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'not-owner'} end
if redis.call('LINDEX', KEYS[2], 0) ~= ARGV[2] then return {'not-owner'} end
redis.call('LPOP', KEYS[2])
return head_or_release(KEYS[1], KEYS[2], KEYS[3], ARGV[3])
`;

/**
 * Moves the head entry into the dead letters, atomically.
 * KEYS: owner, mbox, dead-letter record, endpoint index, global index   ARGV: me, entry, id, record, score
 */
export const LUA_DEAD_LETTER = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('LINDEX', KEYS[2], 0) ~= ARGV[2] then return 0 end
redis.call('LPOP', KEYS[2])
redis.call('SET', KEYS[3], ARGV[4])
redis.call('ZADD', KEYS[4], ARGV[5], ARGV[3])
redis.call('ZADD', KEYS[5], ARGV[5], ARGV[3])
return 1
`;

/** KEYS: owner   ARGV: expected, next → 1 when ownership passed from expected to next. */
export const LUA_HANDOFF = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
`;

/**
 * Puts a dead letter back at the end of its mailbox and deletes the record.
 * KEYS: record, endpoint index, global index, mbox, owner, active   ARGV: id, new_owner, ref, entry
 */
export const LUA_REPLAY = `${LUA_MAILBOX_PUSH}
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing'} end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
local kick = mailbox_push(KEYS[4], KEYS[5], KEYS[6], ARGV[3], ARGV[4], ARGV[2])
return {'queued', kick or ''}
`;
