import { defineScript } from '../infrastructure/redis/redis-script';

/**
 * Lua for the per-session mailboxes. A mailbox is a Redis list per (lane, session) plus an "owner" key naming
 * the one drain job allowed to deliver from it, so each session is delivered strictly in order whatever the
 * worker concurrency or number of processes. Producers push and, when nobody owns the mailbox, become the
 * owner's creator (the caller then adds the drain job with that id). The owner releases the mailbox only when
 * it is empty, atomically, so no entry is ever left without a drain job.
 */

/**
 * Appends to a mailbox; returns the new owner when the push took ownership (the caller adds its drain job), else
 * false. Shared by every script that appends to a mailbox (also the handover transitions), so the rule lives
 * once; its keys and arguments come from SessionMailbox.pushTarget.
 */
export const LUA_MAILBOX_PUSH = `
local function mailbox_push(mbox, owner, active, ref, entry, new_owner)
  redis.call('RPUSH', mbox, entry)
  redis.call('SADD', active, ref)
  if redis.call('SET', owner, new_owner, 'NX') then return new_owner end
  return false
end
`;

/**
 * An entry with annotations added inside a script (e.g. a name read atomically at queue time): the raw form is
 * the JSON array `[entry, annotations]`, built without editing the entry's JSON text. parseEntry reads it back.
 */
export const LUA_ANNOTATED_ENTRY = `
local function annotated_entry(entry, annotations)
  return '[' .. entry .. ',' .. cjson.encode(annotations) .. ']'
end
`;

/** The head entry, or (when the mailbox is empty) release it: the owner lets go only of an empty mailbox. */
const LUA_HEAD_OR_RELEASE = `
local function head_or_release(owner, mbox, active, ref)
  local head = redis.call('LINDEX', mbox, 0)
  if head then return {'head', head} end
  redis.call('DEL', owner)
  redis.call('SREM', active, ref)
  return {'empty'}
end
`;

/**
 * Pushes unless the guard hash is missing or ended, or the dedupe key was seen ('' for either: no check).
 * Returns: {'dup'} | {'rejected'} | {'queued', kick_owner_or_empty}
 */
export const MAILBOX_PUSH = defineScript({
  name: 'mailbox-push',
  keys: ['mbox', 'owner', 'active', 'dedupe', 'guard'],
  args: ['entry', 'newOwner', 'ref', 'dedupeTtlSeconds'],
  lua: `${LUA_MAILBOX_PUSH}
if K.guard ~= '' then
  local state = redis.call('HGET', K.guard, 'state')
  if (not state) or state == 'ended' then return {'rejected'} end
end
if K.dedupe ~= '' then
  if not redis.call('SET', K.dedupe, '1', 'NX', 'EX', tonumber(A.dedupeTtlSeconds)) then return {'dup'} end
end
local kick = mailbox_push(K.mbox, K.owner, K.active, A.ref, A.entry, A.newOwner)
return {'queued', kick or ''}
`,
});

/** Returns {'not-owner'} | {'empty'} (and the mailbox is released) | {'head', entry} */
export const MAILBOX_PEEK = defineScript({
  name: 'mailbox-peek',
  keys: ['owner', 'mbox', 'active'],
  args: ['me', 'ref'],
  lua: `${LUA_HEAD_OR_RELEASE}
if redis.call('GET', K.owner) ~= A.me then return {'not-owner'} end
return head_or_release(K.owner, K.mbox, K.active, A.ref)
`,
});

/**
 * Removes the delivered head and returns the next one, so a drain costs one round trip per entry.
 * Returns {'not-owner'} (nothing removed) | {'empty'} (and the mailbox is released) | {'head', next entry}
 */
export const MAILBOX_ACK_NEXT = defineScript({
  name: 'mailbox-ack-next',
  keys: ['owner', 'mbox', 'active'],
  args: ['me', 'delivered', 'ref'],
  lua: `${LUA_HEAD_OR_RELEASE}
if redis.call('GET', K.owner) ~= A.me then return {'not-owner'} end
if redis.call('LINDEX', K.mbox, 0) ~= A.delivered then return {'not-owner'} end
redis.call('LPOP', K.mbox)
return head_or_release(K.owner, K.mbox, K.active, A.ref)
`,
});

/** Moves the head entry into the dead letters, atomically. Returns 1 when moved. */
export const MAILBOX_DEAD_LETTER = defineScript({
  name: 'mailbox-dead-letter',
  keys: ['owner', 'mbox', 'record', 'endpointIndex', 'globalIndex'],
  args: ['me', 'entry', 'id', 'record', 'score'],
  lua: `
if redis.call('GET', K.owner) ~= A.me then return 0 end
if redis.call('LINDEX', K.mbox, 0) ~= A.entry then return 0 end
redis.call('LPOP', K.mbox)
redis.call('SET', K.record, A.record)
redis.call('ZADD', K.endpointIndex, A.score, A.id)
redis.call('ZADD', K.globalIndex, A.score, A.id)
return 1
`,
});

/** Returns 1 when ownership passed from `expected` to `next`. */
export const MAILBOX_HANDOFF = defineScript({
  name: 'mailbox-handoff',
  keys: ['owner'],
  args: ['expected', 'next'],
  lua: `
if redis.call('GET', K.owner) ~= A.expected then return 0 end
redis.call('SET', K.owner, A.next)
return 1
`,
});

/** Puts a dead letter back at the end of its mailbox and deletes the record. Returns {'missing'} | {'queued', kick or ''} */
export const MAILBOX_REPLAY = defineScript({
  name: 'mailbox-replay',
  keys: ['record', 'endpointIndex', 'globalIndex', 'mbox', 'owner', 'active'],
  args: ['id', 'newOwner', 'ref', 'entry'],
  lua: `${LUA_MAILBOX_PUSH}
if redis.call('EXISTS', K.record) == 0 then return {'missing'} end
redis.call('DEL', K.record)
redis.call('ZREM', K.endpointIndex, A.id)
redis.call('ZREM', K.globalIndex, A.id)
local kick = mailbox_push(K.mbox, K.owner, K.active, A.ref, A.entry, A.newOwner)
return {'queued', kick or ''}
`,
});
