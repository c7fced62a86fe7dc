package io.dsync.platform;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** What a node does. Each role adds the bundles in {@code bundles/<role>/} to the node's core bundles. */
public enum Role {
    /** A member of the Raft group that replicates the lock table. */
    LOCK,
    /** A queue node on the consistent-hash ring. */
    QUEUE,
    /** A cache node in the MESI directory. */
    CACHE,
    /** The web console. */
    CONSOLE;

    /** @return the role's name as written on the command line and in the registry */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a comma-separated list such as {@code lock,queue}.
     *
     * @throws IllegalArgumentException naming the unknown role and the known ones
     */
    public static Set<Role> parseAll(String csv) {
        Set<Role> roles = EnumSet.noneOf(Role.class);
        for (String part : csv.split(",")) {
            String name = part.trim();
            if (name.isEmpty()) {
                continue;
            }
            try {
                roles.add(Role.valueOf(name.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown role '" + name + "'; roles are " + known());
            }
        }
        if (roles.isEmpty()) {
            throw new IllegalArgumentException("no role given; roles are " + known());
        }
        return roles;
    }

    /** @return {@code lock, queue, cache, console} */
    public static String known() {
        return Arrays.stream(values()).map(Role::id).collect(Collectors.joining(", "));
    }
}
