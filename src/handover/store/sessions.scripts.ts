import { defineScript } from '../../infrastructure/redis/redis-script';
import { LUA_ANNOTATED_ENTRY, LUA_MAILBOX_PUSH } from '../../relay/mailbox.scripts';

const TIMELINE_LIMIT = 500;

/** Appends to a mailbox when an entry is given; returns the new owner to kick, or ''. */
const LUA_OPTIONAL_PUSH = `
local function maybe_push(mbox, owner, active, ref, entry, new_owner)
  if entry == '' then return '' end
  return mailbox_push(mbox, owner, active, ref, entry, new_owner) or ''
end
`;

/**
 * Starts a handover: refuses (409) while the session already has a live one, then creates it and queues the "open"
 * command for the contact center, all in one step. The session's current handover is read by id inside the script,
 * hence the key prefix `handoverPrefix` (RedisKeys.handoverPrefix; same shard). The user's other sessions live in
 * other shards: USER_RESERVE guards those before this runs.
 * Returns {'session-busy', handover id} | {'ok', kick owner or ''}
 */
export const START_HANDOVER = defineScript({
  name: 'handover-start',
  keys: ['session', 'sessionIndex', 'handover', 'timeline', 'liveHandovers', 'agentMbox', 'agentOwner', 'agentActive'],
  args: [
    'handoverId',
    'sessionId',
    'userId',
    'nowMs',
    'nowIso',
    'fields',
    'timelineEntry',
    'openEntry',
    'newOwner',
    'ref',
    'handoverPrefix',
  ],
  lua: `${LUA_MAILBOX_PUSH}
local current = redis.call('HGET', K.session, 'handoverId')
if current then
  local state = redis.call('HGET', A.handoverPrefix .. current, 'state')
  if state and state ~= 'ended' then return {'session-busy', current} end
end
local fields = cjson.decode(A.fields)
for k, v in pairs(fields) do redis.call('HSET', K.handover, k, v) end
redis.call('HSET', K.session, 'userId', A.userId, 'handoverId', A.handoverId, 'updatedAt', A.nowIso)
redis.call('SADD', K.liveHandovers, A.handoverId)
redis.call('ZADD', K.sessionIndex, A.nowMs, A.sessionId)
redis.call('RPUSH', K.timeline, A.timelineEntry)
redis.call('LTRIM', K.timeline, -${TIMELINE_LIMIT}, -1)
local kick = mailbox_push(K.agentMbox, K.agentOwner, K.agentActive, A.ref, A.openEntry, A.newOwner)
return {'ok', kick or ''}
`,
});

/**
 * Reserves a user for a session about to start a handover (the user-per-endpoint rule spans shards, so it is its
 * own key and its own step). The key holds the session (`<sessionId>`, its handover is live) or, while a start is
 * under way, `<sessionId>|<until ms>`: a start that dies half-way leaves a reservation that lapses.
 * Returns {'ours'} (this session has it already) | {'reserved'} | {'starting', other session} (another start holds
 * it) | {'held', other session} (the caller checks that session's handover and, when it is over, calls again with
 * `stale` set to that session to take the key over).
 */
export const USER_RESERVE = defineScript({
  name: 'handover-user-reserve',
  keys: ['liveUser'],
  args: ['sessionId', 'nowMs', 'holdMs', 'stale'],
  lua: `
local current = redis.call('GET', K.liveUser)
if current then
  local session, untl = string.match(current, '^([^|]*)|(%d+)$')
  if not session then session = current end
  if session == A.sessionId then return {'ours'} end
  if untl and tonumber(untl) > tonumber(A.nowMs) then return {'starting', session} end
  if (not untl) and current ~= A.stale then return {'held', session} end
end
redis.call('SET', K.liveUser, A.sessionId .. '|' .. (tonumber(A.nowMs) + tonumber(A.holdMs)))
return {'reserved'}
`,
});

/**
 * Ends a session's hold on a user: `confirm` '1' turns its reservation into the live mark (the handover started),
 * otherwise deletes the key (the start failed, or the handover ended). Only while the key is this session's.
 */
export const USER_SETTLE = defineScript({
  name: 'handover-user-settle',
  keys: ['liveUser'],
  args: ['sessionId', 'confirm'],
  lua: `
local current = redis.call('GET', K.liveUser)
if not current then return 0 end
if current ~= A.sessionId and string.sub(current, 1, #A.sessionId + 1) ~= A.sessionId .. '|' then return 0 end
if A.confirm == '1' then redis.call('SET', K.liveUser, A.sessionId) else redis.call('DEL', K.liveUser) end
return 1
`,
});

/**
 * Moves a handover from one of the allowed states (a comma list) to the next (or updates it in place),
 * recording the timeline entry and queueing the resulting bot event / contact-center command ('' for none) in
 * the same step, so a transition and its notifications can never be separated (exactly one handover.ended).
 * Returns {'missing'} | {'conflict', state} | {'ok', previous state, bot kick or '', agent kick or ''}
 */
export const TRANSITION = defineScript({
  name: 'handover-transition',
  keys: [
    'handover',
    'session',
    'timeline',
    'timers',
    'sessionIndex',
    'liveHandovers',
    'botMbox',
    'botOwner',
    'botActive',
    'agentMbox',
    'agentOwner',
    'agentActive',
  ],
  args: [
    'allowedStates',
    'state',
    'fields',
    'nowMs',
    'nowIso',
    'timelineEntry',
    'botEntry',
    'agentEntry',
    'botNewOwner',
    'agentNewOwner',
    'ref',
    'handoverId',
    'sessionId',
  ],
  lua: `${LUA_MAILBOX_PUSH}${LUA_OPTIONAL_PUSH}
local state = redis.call('HGET', K.handover, 'state')
if not state then return {'missing'} end
local allowed = false
for s in string.gmatch(A.allowedStates, '[^,]+') do if s == state then allowed = true end end
if not allowed then return {'conflict', state} end
redis.call('HSET', K.handover, 'state', A.state)
local fields = cjson.decode(A.fields)
for k, v in pairs(fields) do redis.call('HSET', K.handover, k, v) end
if A.state == 'ended' then
  redis.call('SREM', K.liveHandovers, A.handoverId)
  for _, kind in ipairs({'inactivity', 'queue-timeout', 'queue-poll', 'agent-left'}) do
    redis.call('ZREM', K.timers, kind .. '|' .. A.handoverId)
  end
end
redis.call('HSET', K.session, 'updatedAt', A.nowIso)
redis.call('ZADD', K.sessionIndex, A.nowMs, A.sessionId)
redis.call('RPUSH', K.timeline, A.timelineEntry)
redis.call('LTRIM', K.timeline, -${TIMELINE_LIMIT}, -1)
local bot_kick = maybe_push(K.botMbox, K.botOwner, K.botActive, A.ref, A.botEntry, A.botNewOwner)
local agent_kick = maybe_push(K.agentMbox, K.agentOwner, K.agentActive, A.ref, A.agentEntry, A.agentNewOwner)
return {'ok', state, bot_kick, agent_kick}
`,
});

/**
 * Queues a message of a live handover on one of its lanes, and records it, in one round trip: refuses unless
 * the handover is live (and, when `requireActive` is '1', active), de-duplicates (`dedupe` '' for none), appends
 * to the mailbox, then the timeline entry ('' for none) and the activity (lastActivityAt at `activityAt`, and
 * the inactivity timer at `inactivityDueMs`; '' leaves either alone).
 * When `annotateAgent` is '1' the entry is stored annotated with the handover's agent as it is now (`agentName`,
 * absent before one is known; it changes on a transfer): see LUA_ANNOTATED_ENTRY and parseEntry. The stored
 * entry is then returned with a kick (the drain job carries it).
 * Returns {'rejected'} | {'inactive', state} | {'dup'} | {'queued', kick owner or '', annotated entry or ''}
 */
export const QUEUE_MESSAGE = defineScript({
  name: 'handover-queue-message',
  keys: ['handover', 'mbox', 'owner', 'active', 'dedupe', 'timeline', 'timers'],
  args: [
    'entry',
    'newOwner',
    'ref',
    'dedupeTtlSeconds',
    'requireActive',
    'timelineEntry',
    'activityAt',
    'inactivityDueMs',
    'handoverId',
    'annotateAgent',
  ],
  lua: `${LUA_MAILBOX_PUSH}${LUA_ANNOTATED_ENTRY}
local state = redis.call('HGET', K.handover, 'state')
if (not state) or state == 'ended' then return {'rejected'} end
if A.requireActive == '1' and state ~= 'active' then return {'inactive', state} end
if K.dedupe ~= '' and not redis.call('SET', K.dedupe, '1', 'NX', 'EX', tonumber(A.dedupeTtlSeconds)) then return {'dup'} end
local entry = A.entry
local annotated = ''
if A.annotateAgent == '1' then
  local annotations = {}
  local name = redis.call('HGET', K.handover, 'agentName')
  if name and name ~= '' then annotations.agentName = name end
  entry = annotated_entry(A.entry, annotations)
end
local kick = mailbox_push(K.mbox, K.owner, K.active, A.ref, entry, A.newOwner)
if kick and A.annotateAgent == '1' then annotated = entry end
if A.timelineEntry ~= '' then
  redis.call('RPUSH', K.timeline, A.timelineEntry)
  redis.call('LTRIM', K.timeline, -${TIMELINE_LIMIT}, -1)
end
if A.activityAt ~= '' then redis.call('HSET', K.handover, 'lastActivityAt', A.activityAt) end
if A.inactivityDueMs ~= '' then redis.call('ZADD', K.timers, A.inactivityDueMs, 'inactivity|' .. A.handoverId) end
return {'queued', kick or '', annotated}
`,
});

/** Claims due timers: removes and returns up to `limit` members due at `now`; each is fired by exactly one process. */
export const CLAIM_DUE_TIMERS = defineScript({
  name: 'handover-claim-due-timers',
  keys: ['timers'],
  args: ['now', 'limit'],
  lua: `
local due = redis.call('ZRANGEBYSCORE', K.timers, '-inf', A.now, 'LIMIT', 0, tonumber(A.limit))
for _, member in ipairs(due) do redis.call('ZREM', K.timers, member) end
return due
`,
});
