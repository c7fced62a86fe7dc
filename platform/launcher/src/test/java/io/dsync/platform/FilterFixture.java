package io.dsync.platform;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

/** A Logback context of its own with a {@link DemotingFilter} installed and every event at DEBUG and above kept. */
abstract class FilterFixture {

    final LoggerContext context = new LoggerContext();
    final ListAppender<ILoggingEvent> events = new ListAppender<>();

    void install(DemotingFilter filter, String logger) {
        filter.addLogger(logger);
        filter.setContext(context);
        filter.start();
        context.addTurboFilter(filter);
        events.setContext(context);
        events.start();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(events);
        root.setLevel(Level.DEBUG);
    }
}
