import { LUA_MAILBOX_PUSH } from '../../relay/mailbox.lua';

const TIMELINE_LIMIT = 500;

/** Appends to a mailbox when an entry is given; returns the new owner to kick, or ''. */
const OPTIONAL_PUSH = `
local function maybe_push(mbox, owner, active, ref, entry, new_owner)
  if entry == '' then return '' end
  return mailbox_push(mbox, owner, active, ref, entry, new_owner) or ''
end
`;

/**
 * Starts a handover: refuses (409) while the session or the user already has a live one, then creates it
 * and queues the "open" command for the contact center, all in one step.
 * KEYS: session, live-user, session index, handover, timeline, agent mbox, agent owner, agent active
 * ARGV: handover id, session id, user id, now ms, now iso, handover fields json, timeline json, open entry,
 *       new owner, ref, handover key prefix
 */
export const LUA_START_HANDOVER = `${LUA_MAILBOX_PUSH}
local current = redis.call('HGET', KEYS[1], 'handoverId')
if current then
  local state = redis.call('HGET', ARGV[11] .. current, 'state')
  if state and state ~= 'ended' then return {'session-busy', current} end
end
local other = redis.call('GET', KEYS[2])
if other and other ~= ARGV[2] then return {'user-busy', other} end
local fields = cjson.decode(ARGV[6])
for k, v in pairs(fields) do redis.call('HSET', KEYS[4], k, v) end
redis.call('HSET', KEYS[1], 'userId', ARGV[3], 'handoverId', ARGV[1], 'updatedAt', ARGV[5])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
redis.call('RPUSH', KEYS[5], ARGV[7])
redis.call('LTRIM', KEYS[5], -${TIMELINE_LIMIT}, -1)
local kick = mailbox_push(KEYS[6], KEYS[7], KEYS[8], ARGV[10], ARGV[8], ARGV[9])
return {'ok', kick or ''}
`;

/**
 * Moves a handover from one of the allowed states to the next (or updates it in place), recording the
 * timeline entry and queueing the resulting bot event / contact-center command in the same step, so a
 * transition and its notifications can never be separated (exactly one handover.ended).
 * KEYS: handover, session, timeline, timers, session index, live-user,
 *       bot mbox, bot owner, bot active, agent mbox, agent owner, agent active
 * ARGV: allowed states (comma list), new state, fields json, now ms, now iso, timeline json,
 *       bot entry or '', agent entry or '', bot new owner, agent new owner, ref, handover id, session id
 */
export const LUA_TRANSITION = `${LUA_MAILBOX_PUSH}${OPTIONAL_PUSH}
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'missing'} end
local allowed = false
for s in string.gmatch(ARGV[1], '[^,]+') do if s == state then allowed = true end end
if not allowed then return {'conflict', state} end
redis.call('HSET', KEYS[1], 'state', ARGV[2])
local fields = cjson.decode(ARGV[3])
for k, v in pairs(fields) do redis.call('HSET', KEYS[1], k, v) end
if ARGV[2] == 'ended' then
  if redis.call('GET', KEYS[6]) == ARGV[13] then redis.call('DEL', KEYS[6]) end
  for _, kind in ipairs({'inactivity', 'queue-timeout', 'queue-poll', 'agent-left'}) do
    redis.call('ZREM', KEYS[4], kind .. '|' .. ARGV[12])
  end
end
redis.call('HSET', KEYS[2], 'updatedAt', ARGV[5])
redis.call('ZADD', KEYS[5], ARGV[4], ARGV[13])
redis.call('RPUSH', KEYS[3], ARGV[6])
redis.call('LTRIM', KEYS[3], -${TIMELINE_LIMIT}, -1)
local bot_kick = maybe_push(KEYS[7], KEYS[8], KEYS[9], ARGV[11], ARGV[7], ARGV[9])
local agent_kick = maybe_push(KEYS[10], KEYS[11], KEYS[12], ARGV[11], ARGV[8], ARGV[10])
return {'ok', state, bot_kick, agent_kick}
`;

/**
 * Queues a message of a live handover on one of its lanes, and records it, in one round trip: refuses unless
 * the handover is live (and, when asked, active), de-duplicates, appends to the mailbox, then the timeline entry
 * and the activity (lastActivityAt, and the inactivity timer when one is due).
 * When ARGV[10] is set, the entry is ARGV[1] .. the handover's current agent as JSON .. ARGV[10] (see
 * CURRENT_AGENT in sessions.repository.ts), and the completed entry is returned with a kick (the drain job carries it).
 * KEYS: handover, mbox, owner, active, dedupe ('' for none), timeline, timers
 * ARGV: entry (or the part before the agent), new owner, ref, dedupe ttl seconds, require active ('1' or ''),
 *       timeline json ('' for none), now iso ('' to leave the activity alone), inactivity due ms ('' for none),
 *       handover id, the part of the entry after the agent ('' when it has no agent to fill in)
 * Returns {'rejected'} | {'inactive', state} | {'dup'} | {'queued', kick owner or '', completed entry or ''}
 */
export const LUA_QUEUE_MESSAGE = `${LUA_MAILBOX_PUSH}
local state = redis.call('HGET', KEYS[1], 'state')
if (not state) or state == 'ended' then return {'rejected'} end
if ARGV[5] == '1' and state ~= 'active' then return {'inactive', state} end
if KEYS[5] ~= '' and not redis.call('SET', KEYS[5], '1', 'NX', 'EX', tonumber(ARGV[4])) then return {'dup'} end
local entry = ARGV[1]
local completed = ''
if ARGV[10] ~= '' then
  local name = redis.call('HGET', KEYS[1], 'agentName')
  local agent = '{}'
  if name and name ~= '' then agent = '{"name":' .. cjson.encode(name) .. '}' end
  entry = ARGV[1] .. agent .. ARGV[10]
end
local kick = mailbox_push(KEYS[2], KEYS[3], KEYS[4], ARGV[3], entry, ARGV[2])
if kick and ARGV[10] ~= '' then completed = entry end
if ARGV[6] ~= '' then
  redis.call('RPUSH', KEYS[6], ARGV[6])
  redis.call('LTRIM', KEYS[6], -${TIMELINE_LIMIT}, -1)
end
if ARGV[7] ~= '' then redis.call('HSET', KEYS[1], 'lastActivityAt', ARGV[7]) end
if ARGV[8] ~= '' then redis.call('ZADD', KEYS[7], ARGV[8], 'inactivity|' .. ARGV[9]) end
return {'queued', kick or '', completed}
`;

/**
 * Claims due timers: removes and returns up to ARGV[2] members due at ARGV[1]; each is fired by exactly one
 * process. KEYS: timers.
 */
export const LUA_CLAIM_DUE_TIMERS = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, member in ipairs(due) do redis.call('ZREM', KEYS[1], member) end
return due
`;
