package io.dsync.itests;

import io.dsync.cache.protocol.CacheTopology;
import io.dsync.cache.protocol.HomeRing;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Writes keys of its own ({@code probe-<i>}, outside the checked registers), one thread per key, alternately
 * through two nodes, so that every write needs the key's home (it takes the other node's copy away), and keeps
 * when each write succeeded. A reading probe ({@link #reading}) reads the same keys instead, so that beside a writing
 * probe its reads find their copies taken away and have to miss.
 */
final class CacheProbe implements AutoCloseable {

    /** Where keys are homed while n-1, n-2 and n-3 are the ring (the epoch does not change placement). */
    private static final CacheTopology RING = CacheTopology.of(new HomeRing.Record(1, List.of("n-1", "n-2", "n-3")),
            List.of());

    private final Map<String, List<Long>> successes = new TreeMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    CacheProbe(List<CacheHttp> through, int keys) {
        this(through, keys, false);
    }

    /** A probe that reads the writing probe's keys through the given nodes, and keeps when each read succeeded. */
    static CacheProbe reading(List<CacheHttp> through, int keys) {
        return new CacheProbe(through, keys, true);
    }

    private CacheProbe(List<CacheHttp> through, int keys, boolean reads) {
        for (int i = 0; i < keys; i++) {
            String key = "probe-" + i;
            List<Long> ok = Collections.synchronizedList(new ArrayList<>());
            successes.put(key, ok);
            Thread t = new Thread(() -> {
                for (long n = 0; running; n++) {
                    try {
                        CacheHttp node = through.get((int) (n % through.size()));
                        if (reads) {
                            node.get(CacheScenarioIT.CACHE, key);
                        } else {
                            node.put(CacheScenarioIT.CACHE, key, "v" + n);
                        }
                        ok.add(System.nanoTime());
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    } catch (Exception e) {
                        // A failed call is a gap; the next one is tried at once.
                    }
                }
            }, "probe-" + i);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
    }

    /** Per group of keys (by {@code group}), each key's longest time without a success within [from, to]. */
    Map<Boolean, List<Long>> longestGaps(long from, long to, Predicate<String> group) {
        Map<Boolean, List<Long>> gaps = new TreeMap<>(Map.of(true, new ArrayList<>(), false,
                new ArrayList<>()));
        successes.forEach((key, times) -> {
            long last = from;
            long longest = 0;
            synchronized (times) {
                for (long t : times) {
                    if (t > from && t <= to) {
                        longest = Math.max(longest, t - last);
                        last = t;
                    }
                }
            }
            longest = Math.max(longest, to - last);
            gaps.get(group.test(key)).add(longest / 1_000_000);
        });
        return gaps;
    }

    /** The home of a key of {@link CacheScenarioIT#CACHE} while n-1, n-2 and n-3 are the ring. */
    static String home(String key) {
        return RING.home(CacheScenarioIT.CACHE, key);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join(15_000);
        }
    }
}
