package io.dsync.bench.queue;

import java.util.List;

/** A queue under test: dsync through its client, or Redis Streams used directly. */
public interface QueueSystem {

    /** The system's name in the table, with its way of consuming. */
    String name();

    /** Creates a fresh, empty queue for one run, ready to take messages; consumers report to {@code recorder}. */
    Run open(String queue, RunRecorder recorder) throws Exception;

    /** One run's queue. */
    interface Run extends AutoCloseable {

        /** Stores the payloads (one message each), as one call if there are several; returns once they are stored. */
        void send(List<byte[]> payloads) throws Exception;

        /** Starts the consumers, which run until {@link #close()}. */
        void startConsumers(int count) throws Exception;

        /** Messages the system still holds unacknowledged (delivered or not). */
        long unsettled() throws Exception;

        /** Stops the consumers and frees what the queue holds where the system allows it. */
        @Override
        void close() throws Exception;
    }
}
