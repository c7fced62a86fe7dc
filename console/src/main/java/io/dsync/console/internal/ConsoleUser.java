package io.dsync.console.internal;

import java.io.Serializable;
import java.util.Objects;

/**
 * A signed-in console user, as kept in the HTTP session.
 *
 * @param name the user name
 * @param role what the user may do
 */
public record ConsoleUser(String name, ConsoleRole role) implements Serializable {

    /** The HTTP session attribute that holds the signed-in user. */
    public static final String SESSION_ATTRIBUTE = ConsoleUser.class.getName();

    public ConsoleUser {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
    }

    /** @return whether the user may change things */
    public boolean admin() {
        return role == ConsoleRole.ADMIN;
    }
}
