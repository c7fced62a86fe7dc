package io.dsync.platform;

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
 * servlet.
 *
 * <pre>
 * &lt;turboFilter class="io.dsync.platform.ClientHangUpFilter"&gt;&lt;logger&gt;org.apache.felix.http&lt;/logger&gt;&lt;/turboFilter&gt;
 * </pre>
 */
public final class ClientHangUpFilter extends DemotingFilter {

    @Override
    boolean demotes(Throwable thrown) {
        return ClientHangUp.causedBy(thrown);
    }

    @Override
    String reason() {
        return "the client hung up";
    }
}
