/**
 * Counts one failure and trips the breaker in one step, so that processes failing at the same moment
 * neither lose a count nor overwrite a mode someone set meanwhile. Only a cluster in `act` is tripped.
 *
 * KEYS: failures sorted set, mode hash.
 * ARGV: now ms, window start ms, threshold, unique entry, configured mode, reason, since (ISO), key lifetime ms.
 * Returns `[failures within the window, 1 when this call tripped the breaker else 0]`.
 */
export const RECORD_FAILURE_SCRIPT = `
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[8])
local count = redis.call('ZCARD', KEYS[1])
if count >= tonumber(ARGV[3]) then
  local mode = redis.call('HGET', KEYS[2], 'mode') or ARGV[5]
  if mode == 'act' then
    redis.call('DEL', KEYS[2])
    redis.call('HSET', KEYS[2], 'mode', 'observe', 'source', 'circuit-breaker', 'reason', ARGV[6], 'since', ARGV[7])
    return {count, 1}
  end
end
return {count, 0}
`;
