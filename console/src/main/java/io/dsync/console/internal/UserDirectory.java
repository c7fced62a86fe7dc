package io.dsync.console.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import at.favre.lib.crypto.bcrypt.BCrypt;

/**
 * The console's users and their bcrypt password hashes, from configuration: one entry per user,
 * {@code name:role:hash}, e.g. {@code alice:admin:$2y$12$...} ({@code htpasswd -nbBC 12 alice secret} prints a usable
 * hash after the colon). Entries are separated by commas or blanks, within one value as well as across the values of
 * an array: a FileInstall {@code .cfg} file has no arrays, so {@code users = alice:admin:..., bob:viewer:...} is how
 * it lists several users (neither names nor bcrypt hashes contain commas or blanks).
 *
 * <p>A wrong entry is refused with its reason (never echoing the hash) rather than skipped silently; {@link #parse}
 * collects every problem so that an operator fixes them in one go. There is no default user and no default password.
 *
 * <p>Immutable and thread-safe. {@link #authenticate} costs one bcrypt verification (tens of milliseconds at cost 10,
 * four times that at 12), also for an unknown user name, so that the time taken does not tell which names exist.
 */
public final class UserDirectory {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
    private static final Pattern HASH = Pattern.compile("\\$2[aby]\\$\\d{2}\\$[./A-Za-z0-9]{53}");

    private record Entry(ConsoleUser user, byte[] hash) {
    }

    private final Map<String, Entry> users;
    /**
     * Verified against for an unknown user name, so that it costs as much as a known one: a hash of a random password,
     * at the cost of the first configured user's hash.
     */
    private final byte[] dummy;

    private UserDirectory(Map<String, Entry> users) {
        this.users = Map.copyOf(users);
        int cost = users.values().stream().findFirst()
                .map(e -> Integer.parseInt(new String(e.hash(), 4, 2, StandardCharsets.US_ASCII))).orElse(4);
        char[] random = java.util.UUID.randomUUID().toString().toCharArray();
        this.dummy = BCrypt.withDefaults().hash(cost, random);
    }

    /** The outcome of reading the configured users: the directory, and what was wrong with the entries refused. */
    public record Parsed(UserDirectory directory, List<String> problems) {
    }

    /**
     * @param entries {@code name:role:hash} entries, several to a value if separated by commas or blanks
     * @return the users that are well-formed, and one problem per entry that is not
     */
    public static Parsed parse(String[] entries) {
        Map<String, Entry> users = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        List<String> all = new ArrayList<>();
        for (String value : entries == null ? new String[0] : entries) {
            for (String entry : (value == null ? "" : value).split("[,\\s]+")) {
                if (!entry.isEmpty()) {
                    all.add(entry);
                }
            }
        }
        int n = 0;
        for (String entry : all) {
            n++;
            String[] parts = entry.split(":", 3);
            if (parts.length != 3) {
                problems.add("user entry " + n + " is not name:role:bcrypt-hash");
                continue;
            }
            String name = parts[0].trim();
            if (!NAME.matcher(name).matches()) {
                problems.add("user entry " + n + ": the name must be 1 to 64 letters, digits, '.', '_', '@' or '-'");
                continue;
            }
            ConsoleRole role;
            try {
                role = ConsoleRole.parse(parts[1].trim());
            } catch (IllegalArgumentException e) {
                problems.add("user '" + name + "': " + e.getMessage());
                continue;
            }
            String hash = parts[2].trim();
            if (!HASH.matcher(hash).matches()) {
                problems.add("user '" + name + "': the password hash is not a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters)");
                continue;
            }
            if (users.containsKey(name)) {
                problems.add("user '" + name + "' is configured twice; the first entry counts");
                continue;
            }
            users.put(name, new Entry(new ConsoleUser(name, role), hash.getBytes(StandardCharsets.US_ASCII)));
        }
        return new Parsed(new UserDirectory(users), List.copyOf(problems));
    }

    /**
     * @param name a user name as typed
     * @param password the password as typed
     * @return the user when the name exists and the password matches its hash
     */
    public Optional<ConsoleUser> authenticate(String name, char[] password) {
        Entry e = name == null ? null : users.get(name);
        char[] given = password == null ? new char[0] : password;
        boolean verified = BCrypt.verifyer().verify(given, e == null ? dummy : e.hash()).verified;
        return e != null && verified ? Optional.of(e.user()) : Optional.empty();
    }

    /** @return how many users are configured */
    public int size() {
        return users.size();
    }
}
