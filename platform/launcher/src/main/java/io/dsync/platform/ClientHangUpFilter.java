package io.dsync.platform;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.Marker;
import org.slf4j.helpers.MessageFormatter;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import io.dsync.http.ClientHangUp;

/**
 * A Logback turbo filter for {@code etc/logback.xml}: a WARN or ERROR of the configured loggers whose exception says
 * that the client hung up (Jetty's {@code EofException}, "Broken pipe", "Connection reset") is logged as one DEBUG
 * line of the same logger, without the stack trace, and the original event is dropped.
 *
 * <p>Why: Felix HTTP logs whatever a servlet throws at ERROR with its stack trace ({@code org.apache.felix.http -
 * Exception while processing request to /health}). When the exception is a peer that closed its connection (a
 * {@code curl -f} that stops reading at a 503, a killed client), that is not an error of the node, yet it would page
 * an operator. dsync's own servlets catch it themselves ({@code io.dsync.http.HttpCalls}); this covers any other
 * servlet. It is narrow on purpose: only the loggers named, only hang-ups; every other failure is logged as before.
 *
 * <pre>
 * &lt;turboFilter class="io.dsync.platform.ClientHangUpFilter"&gt;&lt;logger&gt;org.apache.felix.http&lt;/logger&gt;&lt;/turboFilter&gt;
 * </pre>
 *
 * <p>Thread-safety: configured once by Logback, then read-only; safe for concurrent use.
 */
public final class ClientHangUpFilter extends TurboFilter {

    private final List<String> loggers = new ArrayList<>();

    /** Adds a logger (and the loggers below it) whose hang-ups are demoted; Logback calls it per {@code <logger>}. */
    public void addLogger(String name) {
        loggers.add(name.trim());
    }

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (level == null || !level.isGreaterOrEqual(Level.WARN) || !applies(logger.getName())) {
            return FilterReply.NEUTRAL;
        }
        Throwable thrown = t != null ? t : MessageFormatter.getThrowableCandidate(params);
        if (!ClientHangUp.causedBy(thrown)) {
            return FilterReply.NEUTRAL;
        }
        if (logger.isDebugEnabled()) {
            // Logged without a throwable, so this filter lets it through.
            logger.debug("{} (the client hung up: {})", MessageFormatter.arrayFormat(format, params).getMessage(), thrown.toString());
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
