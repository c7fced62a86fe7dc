package io.dsync.console.internal;

import java.util.Locale;

/** What a console user may do: {@link #VIEWER} looks, {@link #ADMIN} also changes things. */
public enum ConsoleRole {
    /** Sees every view; changes nothing. */
    VIEWER,
    /** Sees every view and may act (admin-only actions are audit-logged). */
    ADMIN;

    /** @return the role's name as written in the configuration */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param id {@code viewer} or {@code admin}
     * @return the role
     * @throws IllegalArgumentException naming the known roles
     */
    public static ConsoleRole parse(String id) {
        for (ConsoleRole r : values()) {
            if (r.id().equals(id)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown console role '" + id + "'; roles are viewer, admin");
    }
}
