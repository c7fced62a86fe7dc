package io.dsync.cache.protocol;

import java.nio.charset.StandardCharsets;

import io.dsync.cache.core.GrantId;

/**
 * The Lua scripts of main memory (docs/cache.md, "Main memory: fenced reads and conditional writes")
 * and the encoding of their arguments.
 * <p>
 * Each key of a cache is one Redis hash with the fields {@code value} (absent for a tombstone or a key never
 * written), {@code version}, {@code fence} (the largest grant id a read or write brought) and {@code writer}
 * (the fence of the last write). Numbers are kept as decimal strings and compared in Lua by length, then
 * character by character, never through Lua's numbers (doubles, exact only to 2^53): grant id components
 * and versions are whole {@code long}s. A grant id is {@code epoch.incarnation.seq}, compared component by
 * component, which is {@link GrantId#compareTo} order. The scripts never delete the hash: tombstones keep
 * their version and fence.
 */
final class MainMemoryScripts {

    private static final String COMPARE = """
            -- a, b: decimal integers >= 0 without leading zeros; same-length digit strings compare as numbers
            local function cmp(a, b)
              if #a ~= #b then return #a < #b and -1 or 1 end
              if a == b then return 0 end
              return a < b and -1 or 1
            end
            -- a, b: grant ids 'epoch.incarnation.seq'
            local function cmpFence(a, b)
              local a1, a2, a3 = string.match(a, '^(%d+)%.(%d+)%.(%d+)$')
              local b1, b2, b3 = string.match(b, '^(%d+)%.(%d+)%.(%d+)$')
              if not a1 or not b1 then error('malformed fence ' .. a .. ' or ' .. b) end
              local c = cmp(a1, b1)
              if c == 0 then c = cmp(a2, b2) end
              if c == 0 then c = cmp(a3, b3) end
              return c
            end
            """;

    /** The plain read: KEYS[1], the key's hash. Changes nothing; answers as {@link #READ} does. */
    static final String READ_PLAIN = """
            local s = redis.call('HMGET', KEYS[1], 'version', 'value')
            local version = s[1] or '0'
            if s[2] then return {version, s[2]} end
            return {version}
            """;

    /**
     * The fenced read. KEYS[1]: the key's hash; ARGV[1]: the fence. Raises the stored fence to the given one
     * if lower, and answers {@code {version}} for an absent value or {@code {version, value}}.
     */
    static final String READ = COMPARE + """
            local stored = redis.call('HGET', KEYS[1], 'fence')
            if not stored or cmpFence(stored, ARGV[1]) < 0 then
              redis.call('HSET', KEYS[1], 'fence', ARGV[1])
            end
            """ + READ_PLAIN;

    /**
     * The conditional write. KEYS[1]: the key's hash; ARGV: fence, version, {@code 1} if a value follows or
     * {@code 0} for a tombstone, the value. Answers 1 (written, or a repeat of the stored write) or 0
     * (rejected).
     */
    static final String WRITE = COMPARE + """
            local s = redis.call('HMGET', KEYS[1], 'fence', 'version', 'writer', 'value')
            local fence, version, present, value = ARGV[1], ARGV[2], ARGV[3] == '1', ARGV[4]
            if s[1] and cmpFence(fence, s[1]) < 0 then return 0 end
            local c = cmp(version, s[2] or '0')
            if c < 0 then return 0 end
            if c == 0 then
              local sameValue
              if present then sameValue = s[4] == value else sameValue = not s[4] end
              if s[3] == fence and sameValue then return 1 end
              return 0
            end
            if present then
              redis.call('HSET', KEYS[1], 'value', value)
            else
              redis.call('HDEL', KEYS[1], 'value')
            end
            -- fence >= stored fence here, so max(stored fence, fence) is fence
            redis.call('HSET', KEYS[1], 'version', version, 'fence', fence, 'writer', fence)
            return 1
            """;

    private MainMemoryScripts() {
    }

    /**
     * Encodes a grant id as the scripts store and compare it.
     *
     * @param fence the grant id
     * @return {@code epoch.incarnation.seq} in decimal, as bytes
     */
    static byte[] fence(GrantId fence) {
        return ascii(fence.epoch() + "." + fence.incarnation() + "." + fence.seq());
    }

    /**
     * Encodes a whole number as the scripts store and compare it.
     *
     * @param n the number, 0 or more
     * @return its decimal form, as bytes
     */
    static byte[] number(long n) {
        return ascii(Long.toString(n));
    }

    /**
     * Decodes a whole number the scripts answered.
     *
     * @param reply the reply element
     * @return the number
     */
    static long number(Object reply) {
        return Long.parseLong(new String((byte[]) reply, StandardCharsets.US_ASCII));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
