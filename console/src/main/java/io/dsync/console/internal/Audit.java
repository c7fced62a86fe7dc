package io.dsync.console.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console's audit log (logger {@code io.dsync.console.audit}): who signed in or acted, on what, with what result.
 * Every argument is written as printable text of at most {@value #MAX} characters: a lock, bundle or user name, a file
 * name or a node's answer could otherwise carry a line break and forge an audit line of its own.
 */
final class Audit {

    private static final Logger LOG = LoggerFactory.getLogger("io.dsync.console.audit");
    static final int MAX = 200;

    private Audit() {
    }

    static void info(String format, Object... args) {
        if (LOG.isInfoEnabled()) {
            LOG.info(format, printable(args));
        }
    }

    static void warn(String format, Object... args) {
        if (LOG.isWarnEnabled()) {
            LOG.warn(format, printable(args));
        }
    }

    /** How the log names a console user: {@code 'alice' (admin)}, or that nobody was signed in. */
    static String who(ConsoleUser user) {
        return user == null ? "(nobody signed in)" : "'" + user.name() + "' (" + user.role().id() + ")";
    }

    /** The text with control characters (line breaks included) as {@code ?}, cut after {@value #MAX} characters. */
    static String printable(String s) {
        if (s == null) {
            return "";
        }
        String cut = s.length() > MAX ? s.substring(0, MAX) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }

    private static Object[] printable(Object[] args) {
        Object[] out = new Object[args.length];
        for (int i = 0; i < args.length; i++) {
            out[i] = args[i] == null ? null : printable(String.valueOf(args[i]));
        }
        return out;
    }
}
