package io.dsync.cache.client.internal;

import static io.dsync.http.HttpRequests.intParam;
import static io.dsync.http.HttpRequests.jsonBody;
import static io.dsync.http.HttpRequests.longParam;
import static io.dsync.http.HttpRequests.path;

import com.fasterxml.jackson.databind.JsonNode;
import io.dsync.cache.Cache;
import io.dsync.cache.CacheConfig;
import io.dsync.cache.CacheConfigConflictException;
import io.dsync.cache.CacheNotFoundException;
import io.dsync.cache.CacheStats;
import io.dsync.cache.CacheUnavailableException;
import io.dsync.cache.InvalidCacheRequestException;
import io.dsync.cache.ValueTooLargeException;
import io.dsync.cache.EvictionPolicy;
import io.dsync.cache.WriteMode;
import io.dsync.cache.client.ClientCacheService;
import io.dsync.cache.core.CacheNode;
import io.dsync.cache.protocol.ProtocolDriver;
import io.dsync.http.AdminAccess;
import io.dsync.http.HttpCalls;
import io.dsync.http.HttpCalls.Reply;
import io.dsync.http.HttpError;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cache over HTTP on every node, for {@code dsync cache} and the console. Operations go through this node's
 * {@code CacheService}, so they are linearizable like any other call and count in this node's statistics:
 * <pre>
 * GET    /cache/caches                              declared caches, with this node's statistics for those it uses
 * PUT    /cache/caches/{c}                          declare {localCapacity, maxValueBytes, writeMode, evictionPolicy,
 *                                                   localCapacityBytes}
 * GET    /cache/caches/{c}                          configuration, this node's statistics, its copies and their bytes,
 *                                                   lines per MESI state and MESI transitions with their causes
 * GET    /cache/caches/{c}/entry?key=K              read: {key, present, value | valueBase64, version}
 * PUT    /cache/caches/{c}/entry?key=K[&amp;ifAbsent=true]  write {value | valueBase64}
 * DELETE /cache/caches/{c}/entry?key=K              remove: {removed}
 * POST   /cache/caches/{c}/increment?key=K&amp;by=N     add N to a decimal counter atomically (compute): {value}
 * POST   /cache/caches/{c}/invalidate[?key=K]       drop this node's copy of K (or all its copies), writing back
 * GET    /cache/caches/{c}/lines?limit=N            this node's copies: key, MESI state, version, home, lease left
 * </pre>
 * Values are UTF-8 text ({@code value}) or any bytes ({@code valueBase64}). Errors: 400 {@code invalid}, 404
 * {@code unknown-cache}, 409 {@code conflict}, 413 {@code too-large}, 503 {@code unavailable}. With an admin token
 * configured, calls that change something need it.
 */
final class CacheHttpApi extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(CacheHttpApi.class);

    private final transient ClientCacheService caches;
    private final transient AdminAccess access;

    CacheHttpApi(ClientCacheService caches, AdminAccess access) {
        this.caches = caches;
        this.access = access;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
        HttpCalls.handle(req, resp, LOG, CacheHttpApi::translate, () -> {
            String[] path = path(req);
            if (path.length == 0) {
                List<Object> all = new ArrayList<>();
                for (CacheConfig config : caches.declared()) {
                    all.add(describe(config));
                }
                return Reply.ok(all);
            }
            CacheConfig config = find(path[0]);
            if (path.length == 1) {
                return Reply.ok(describe(config));
            }
            return switch (path[1]) {
                case "entry" -> Reply.ok(entry(key(req), caches.cache(config.name()).get(key(req))));
                case "lines" -> Reply.ok(lines(config, intParam(req, "limit", 100, 0, 10_000)));
                default -> throw HttpError.notFound("no such cache call: " + req.getRequestURI());
            };
        });
    }

    @Override
    protected void doPut(HttpServletRequest req, HttpServletResponse resp) {
        HttpCalls.handle(req, resp, LOG, CacheHttpApi::translate, () -> {
            access.requireWriter(req);
            String[] path = path(req);
            // The body first: a client that sends it as a form would have it consumed by the first getParameter.
            JsonNode body = jsonBody(req);
            if (path.length == 1) {
                return Reply.ok(describe(caches.declare(config(path[0], body))));
            }
            if (path.length == 2 && path[1].equals("entry")) {
                String key = key(req);
                byte[] value = value(body);
                Cache<byte[]> cache = caches.cache(find(path[0]).name());
                if (Boolean.parseBoolean(req.getParameter("ifAbsent"))) {
                    Optional<byte[]> existing = cache.putIfAbsent(key, value);
                    Map<String, Object> answer = entry(key, existing);
                    answer.put("written", existing.isEmpty());
                    return Reply.ok(answer);
                }
                cache.put(key, value);
                return Reply.ok(Map.of("key", key, "written", true));
            }
            throw HttpError.notFound("declare a cache with PUT /cache/caches/{name}, write with PUT "
                    + "/cache/caches/{name}/entry?key=K");
        });
    }

    @Override
    protected void doDelete(HttpServletRequest req, HttpServletResponse resp) {
        HttpCalls.handle(req, resp, LOG, CacheHttpApi::translate, () -> {
            access.requireWriter(req);
            String[] path = path(req);
            if (path.length != 2 || !path[1].equals("entry")) {
                throw HttpError.notFound("remove with DELETE /cache/caches/{name}/entry?key=K");
            }
            String key = key(req);
            return Reply.ok(Map.of("key", key, "removed", caches.cache(find(path[0]).name()).remove(key)));
        });
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) {
        HttpCalls.handle(req, resp, LOG, CacheHttpApi::translate, () -> {
            access.requireWriter(req);
            String[] path = path(req);
            if (path.length != 2) {
                throw HttpError.notFound("no such cache call: " + req.getRequestURI());
            }
            Cache<byte[]> cache = caches.cache(find(path[0]).name());
            return switch (path[1]) {
                case "increment" -> Reply.ok(increment(cache, key(req), longParam(req, "by", 1, Long.MIN_VALUE, Long.MAX_VALUE)));
                case "invalidate" -> {
                    String key = req.getParameter("key");
                    if (key == null) {
                        cache.invalidateAll();
                    } else {
                        cache.invalidate(key);
                    }
                    yield Reply.ok(Map.of("invalidated", key == null ? "all" : key));
                }
                default -> throw HttpError.notFound("no such cache call: " + req.getRequestURI());
            };
        });
    }

    private static Map<String, Object> increment(Cache<byte[]> cache, String key, long by) {
        Optional<byte[]> next = cache.compute(key, current -> {
            long value = 0;
            if (current.isPresent()) {
                String text = new String(current.get(), StandardCharsets.UTF_8).trim();
                try {
                    value = Long.parseLong(text);
                } catch (NumberFormatException e) {
                    throw HttpError.invalid("the value of key '" + key + "' is not a decimal number: '"
                            + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + "'");
                }
            }
            return Optional.of(Long.toString(Math.addExact(value, by)).getBytes(StandardCharsets.UTF_8));
        });
        return Map.of("key", key, "value", Long.parseLong(new String(next.orElseThrow(), StandardCharsets.UTF_8)));
    }

    private CacheConfig find(String name) {
        return caches.config(CacheConfig.requireValidName(name));
    }

    private Map<String, Object> describe(CacheConfig config) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", config.name());
        out.put("localCapacity", config.localCapacity());
        out.put("maxValueBytes", config.maxValueBytes());
        out.put("writeMode", config.writeMode().name());
        out.put("evictionPolicy", config.evictionPolicy().name());
        out.put("localCapacityBytes", config.localCapacityBytes());
        caches.view(config.name(), 0).ifPresent(v -> {
            out.put("stats", stats(v.stats()));
            out.put("readsFromMemory", v.readsFromMemory());
            out.put("lines", v.lines());
            out.put("capacity", v.capacity());
            out.put("bytes", v.bytes());
            Map<String, Integer> byState = new LinkedHashMap<>();
            v.byState().forEach((state, n) -> byState.put(String.valueOf(state.letter()), n));
            out.put("linesByState", byState);
            out.put("writesLost", v.writesLost());
            Map<String, Long> transitions = new LinkedHashMap<>();
            v.transitions().forEach((t, n) -> transitions.put(t.toString(), n));
            out.put("transitions", transitions);
        });
        return out;
    }

    private static Map<String, Object> stats(CacheStats s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("hits", s.hits());
        out.put("misses", s.misses());
        out.put("hitRate", s.hitRate());
        out.put("evictions", s.evictions());
        out.put("invalidationsReceived", s.invalidationsReceived());
        out.put("writeBacks", s.writeBacks());
        return out;
    }

    private Map<String, Object> lines(CacheConfig config, int limit) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("cache", config.name());
        List<Object> lines = new ArrayList<>();
        long now = ProtocolDriver.now();
        Optional<ClientCacheService.LocalView> view = caches.view(config.name(), limit);
        view.ifPresent(v -> {
            out.put("total", v.lines());
            out.put("capacity", v.capacity());
            out.put("bytes", v.bytes());
            for (CacheNode.LineView line : v.first()) {
                Map<String, Object> l = new LinkedHashMap<>();
                l.put("key", line.key());
                l.put("state", line.rights().name());
                l.put("protocolState", line.state().name());
                l.put("version", line.data().version());
                l.put("home", line.home());
                l.put("leaseLeftMs", Math.max(0, TimeUnit.NANOSECONDS.toMillis(line.expiry() - now)));
                lines.add(l);
            }
        });
        if (view.isEmpty()) {
            out.put("total", 0);
        }
        out.put("lines", lines);
        return out;
    }

    private static Map<String, Object> entry(String key, Optional<byte[]> value) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("key", key);
        out.put("present", value.isPresent());
        value.ifPresent(v -> {
            String text = utf8(v);
            if (text != null) {
                out.put("value", text);
            } else {
                out.put("valueBase64", Base64.getEncoder().encodeToString(v));
            }
        });
        return out;
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static CacheConfig config(String name, JsonNode body) {
        CacheConfig config = CacheConfig.of(name);
        if (body.has("localCapacity")) {
            config = config.withLocalCapacity(body.get("localCapacity").asInt());
        }
        if (body.has("localCapacityBytes")) {
            JsonNode bytes = body.get("localCapacityBytes");
            if (!bytes.canConvertToExactIntegral() || !bytes.canConvertToLong()) {
                throw HttpError.invalid("localCapacityBytes must be a whole number of bytes, was " + bytes);
            }
            config = config.withLocalCapacityBytes(bytes.asLong());
        }
        if (body.has("maxValueBytes")) {
            config = config.withMaxValueBytes(body.get("maxValueBytes").asInt());
        }
        if (body.hasNonNull("writeMode")) {
            String mode = body.get("writeMode").asText().toUpperCase(Locale.ROOT).replace('-', '_');
            try {
                config = config.withWriteMode(WriteMode.valueOf(mode));
            } catch (IllegalArgumentException e) {
                throw HttpError.invalid("writeMode must be write-through or write-back, was '"
                        + body.get("writeMode").asText() + "'");
            }
        }
        if (body.hasNonNull("evictionPolicy")) {
            String policy = body.get("evictionPolicy").asText().toUpperCase(Locale.ROOT).replace('-', '_');
            try {
                config = config.withEvictionPolicy(EvictionPolicy.valueOf(policy.equals("W_TINYLFU") ? "W_TINY_LFU"
                        : policy));
            } catch (IllegalArgumentException e) {
                throw HttpError.invalid("evictionPolicy must be lru or w-tinylfu, was '"
                        + body.get("evictionPolicy").asText() + "'");
            }
        }
        return config;
    }

    private static byte[] value(JsonNode body) {
        if (body.hasNonNull("value")) {
            return body.get("value").asText().getBytes(StandardCharsets.UTF_8);
        }
        if (body.hasNonNull("valueBase64")) {
            try {
                return Base64.getDecoder().decode(body.get("valueBase64").asText());
            } catch (IllegalArgumentException e) {
                throw HttpError.invalid("valueBase64 is not Base64: " + e.getMessage());
            }
        }
        throw HttpError.invalid("the body needs a value: {\"value\": \"text\"} or {\"valueBase64\": \"...\"}");
    }

    private static String key(HttpServletRequest req) {
        String key = req.getParameter("key");
        if (key == null) {
            throw HttpError.invalid("the key is missing: add ?key=...");
        }
        return Cache.requireValidKey(key);
    }

    static HttpError translate(Exception e) {
        Throwable t = e;
        while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof HttpError h) {
            return h;
        }
        if (t instanceof CacheNotFoundException c) {
            return new HttpError(404, "unknown-cache", "cache '" + c.cache() + "' has not been declared");
        }
        if (t instanceof CacheConfigConflictException c) {
            return HttpError.configConflict("cache '" + c.existing().name() + "'", c.existing(), c.requested(),
                    "declare it as it is");
        }
        if (t instanceof ValueTooLargeException v) {
            return new HttpError(413, "too-large", v.getMessage());
        }
        if (t instanceof InvalidCacheRequestException || t instanceof ArithmeticException) {
            return HttpError.invalid(t.getMessage());
        }
        if (t instanceof CacheUnavailableException) {
            return new HttpError(503, "unavailable", t.getMessage());
        }
        return null;
    }
}
