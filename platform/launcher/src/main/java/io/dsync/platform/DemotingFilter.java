package io.dsync.platform;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.Marker;
import org.slf4j.helpers.MessageFormatter;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;

/**
 * The base of the Logback turbo filters of {@code etc/logback.xml} that keep a library's WARN or ERROR about something
 * harmless from paging an operator: such an event of the configured loggers is logged as one DEBUG line of the same
 * logger, without the stack trace and with the reason, and the original event is dropped. Narrow on purpose: only
 * the loggers named, only the exceptions {@link #demotes} recognizes; every other event is logged as before.
 *
 * <p>Thread-safety: configured once by Logback, then read-only; safe for concurrent use.
 */
public abstract class DemotingFilter extends TurboFilter {

    private final List<String> loggers = new ArrayList<>();

    /** Adds a logger (and the loggers below it) whose events this filter looks at; Logback calls it per {@code <logger>}. */
    public void addLogger(String name) {
        loggers.add(name.trim());
    }

    /** Whether an event with this exception is harmless. */
    abstract boolean demotes(Throwable thrown);

    /** Why such an event is harmless, for the DEBUG line. */
    abstract String reason();

    @Override
    public final FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params,
                                    Throwable t) {
        if (level == null || !level.isGreaterOrEqual(Level.WARN) || !applies(logger.getName())) {
            return FilterReply.NEUTRAL;
        }
        Throwable thrown = t != null ? t : MessageFormatter.getThrowableCandidate(params);
        if (thrown == null || !demotes(thrown)) {
            return FilterReply.NEUTRAL;
        }
        if (logger.isDebugEnabled()) {
            // Logged without a throwable, so this filter lets it through.
            logger.debug("{} ({}: {})", MessageFormatter.arrayFormat(format, params).getMessage(), reason(),
                    thrown.toString());
        }
        return FilterReply.DENY;
    }

    private boolean applies(String name) {
        for (String l : loggers) {
            if (name.equals(l) || name.startsWith(l + ".")) {
                return true;
            }
        }
        return false;
    }
}
