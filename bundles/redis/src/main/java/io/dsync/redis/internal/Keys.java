package io.dsync.redis.internal;

/** Key naming: {@code dsync:<cluster>:<part>...}. */
final class Keys {

    private Keys() {
    }

    static String of(String cluster, String... parts) {
        if (parts == null || parts.length == 0) {
            throw new IllegalArgumentException("a key needs at least one part after the cluster name");
        }
        StringBuilder sb = new StringBuilder("dsync:").append(cluster);
        for (String part : parts) {
            requirePart(part);
            sb.append(':').append(part);
        }
        return sb.toString();
    }

    static void requirePart(String part) {
        if (part == null || part.isEmpty()) {
            throw new IllegalArgumentException("key parts must not be empty");
        }
    }
}
