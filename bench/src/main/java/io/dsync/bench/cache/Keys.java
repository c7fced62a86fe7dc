package io.dsync.bench.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** The keys of a workload, and how a thread picks the next one: uniformly, or by a Zipf distribution of ranks. */
final class Keys {

    private final String[] names;
    /** Cumulative probabilities of the ranks, or {@code null} for uniform picks. */
    private final double[] cdf;

    private Keys(String[] names, double[] cdf) {
        this.names = names;
        this.cdf = cdf;
    }

    static Keys uniform(String prefix, int count) {
        return new Keys(names(prefix, count), null);
    }

    /** Rank {@code r} (from 0) drawn with probability proportional to {@code 1 / (r + 1)^s}. */
    static Keys zipf(String prefix, int count, double s) {
        double[] cdf = new double[count];
        double sum = 0;
        for (int r = 0; r < count; r++) {
            sum += 1 / Math.pow(r + 1, s);
            cdf[r] = sum;
        }
        for (int r = 0; r < count; r++) {
            cdf[r] /= sum;
        }
        return new Keys(names(prefix, count), cdf);
    }

    private static String[] names(String prefix, int count) {
        String[] names = new String[count];
        for (int i = 0; i < count; i++) {
            names[i] = prefix + i;
        }
        return names;
    }

    List<String> all() {
        return new ArrayList<>(List.of(names));
    }

    String next(SplittableRandom random) {
        if (cdf == null) {
            return names[random.nextInt(names.length)];
        }
        double u = random.nextDouble();
        int lo = 0;
        int hi = cdf.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cdf[mid] < u) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return names[lo];
    }
}
