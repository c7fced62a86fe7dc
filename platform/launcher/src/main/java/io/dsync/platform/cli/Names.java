package io.dsync.platform.cli;

import java.util.function.UnaryOperator;

import io.dsync.cache.Cache;
import io.dsync.cache.CacheConfig;
import io.dsync.lock.LockRequest;
import io.dsync.queue.Message;
import io.dsync.queue.QueueConfig;

import picocli.CommandLine;

/**
 * Names and keys checked by the API's own rules as the command line is read, so that a bad one is a usage error (exit
 * 2) with the rule, before any request: the nodes would refuse it too, but an empty name changes the request's path
 * and a very long one is refused by the HTTP server with an HTML page.
 */
final class Names {

    private Names() {
    }

    private abstract static class Checked implements CommandLine.ITypeConverter<String> {
        private final UnaryOperator<String> rule;

        Checked(UnaryOperator<String> rule) {
            this.rule = rule;
        }

        @Override
        public String convert(String value) {
            try {
                return rule.apply(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static final class QueueName extends Checked {
        QueueName() {
            super(QueueConfig::requireValidName);
        }
    }

    static final class MessageKey extends Checked {
        MessageKey() {
            super(Message::requireValidKey);
        }
    }

    static final class CacheName extends Checked {
        CacheName() {
            super(CacheConfig::requireValidName);
        }
    }

    static final class CacheKey extends Checked {
        CacheKey() {
            super(Cache::requireValidKey);
        }
    }

    static final class LockName extends Checked {
        LockName() {
            super(LockRequest::requireValidName);
        }
    }
}
