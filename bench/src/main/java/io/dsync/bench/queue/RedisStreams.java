package io.dsync.bench.queue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.redisson.api.BatchOptions;
import org.redisson.api.RBatch;
import org.redisson.api.RStream;
import org.redisson.api.RStreamAsync;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamAddArgs;
import org.redisson.api.stream.StreamCreateGroupArgs;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.api.stream.StreamReadGroupArgs;
import org.redisson.client.codec.ByteArrayCodec;

/**
 * The ceiling: one Redis stream used directly through Redisson, on the same Redis as the dsync nodes. Producers
 * {@code XADD} (a batch is one pipeline of {@code XADD}s, one round trip); consumers form one consumer group and loop
 * on {@code XREADGROUP COUNT <max> BLOCK 500}, then acknowledge what they read with one {@code XACK}. Nothing else:
 * no redelivery of unacknowledged entries, no per-key ordering, no deletion of acknowledged entries (the stream is
 * deleted after the run).
 */
public final class RedisStreams implements QueueSystem {

    /** The system's name in the tables. */
    public static final String NAME = "Redis Streams";
    private static final String GROUP = "bench";
    private static final byte[] FIELD = "p".getBytes(StandardCharsets.UTF_8);

    private final RedissonClient redisson;
    private final int readCount;

    /**
     * @param redisson a client of the nodes' Redis
     * @param readCount the {@code COUNT} of each {@code XREADGROUP}
     */
    public RedisStreams(RedissonClient redisson, int readCount) {
        this.redisson = redisson;
        this.readCount = readCount;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Run open(String queue, RunRecorder recorder) {
        String key = "bench:streams:" + queue;
        RStream<byte[], byte[]> stream = redisson.getStream(key, ByteArrayCodec.INSTANCE);
        stream.delete();
        stream.createGroup(StreamCreateGroupArgs.name(GROUP).makeStream());
        return new StreamRun(key, stream, recorder);
    }

    private final class StreamRun implements Run {
        private final String key;
        private final RStream<byte[], byte[]> stream;
        private final RunRecorder recorder;
        private final List<Thread> consumers = new ArrayList<>();
        private volatile boolean running = true;

        StreamRun(String key, RStream<byte[], byte[]> stream, RunRecorder recorder) {
            this.key = key;
            this.stream = stream;
            this.recorder = recorder;
        }

        @Override
        public void send(List<byte[]> payloads) {
            if (payloads.size() == 1) {
                stream.add(StreamAddArgs.entry(FIELD, payloads.get(0)));
                return;
            }
            RBatch batch = redisson.createBatch(BatchOptions.defaults());
            RStreamAsync<byte[], byte[]> s = batch.getStream(key, ByteArrayCodec.INSTANCE);
            for (byte[] p : payloads) {
                s.addAsync(StreamAddArgs.entry(FIELD, p));
            }
            batch.execute();
        }

        @Override
        public void startConsumers(int count) {
            for (int i = 0; i < count; i++) {
                String name = "consumer-" + i;
                Thread t = new Thread(() -> consume(name), "bench-streams-" + name);
                t.setDaemon(true);
                consumers.add(t);
                t.start();
            }
        }

        private void consume(String consumer) {
            StreamReadGroupArgs read = StreamReadGroupArgs.neverDelivered().count(readCount)
                    .timeout(Duration.ofMillis(500));
            while (running) {
                try {
                    Map<StreamMessageId, Map<byte[], byte[]>> got = stream.readGroup(GROUP, consumer, read);
                    if (got == null || got.isEmpty()) {
                        continue;
                    }
                    recorder.polled();
                    for (Map<byte[], byte[]> fields : got.values()) {
                        // One field per entry; byte[] keys compare by identity, so take the value directly.
                        recorder.delivered(fields.values().iterator().next());
                    }
                    long n = stream.ack(GROUP, got.keySet().toArray(StreamMessageId[]::new));
                    recorder.acked((int) n);
                } catch (RuntimeException e) {
                    if (running) {
                        recorder.consumeFailed(e);
                    }
                }
            }
        }

        @Override
        public long unsettled() {
            // Every entry is delivered by the time this is asked (the ledger says so); pending = not acknowledged.
            return stream.getPendingInfo(GROUP).getTotal();
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            for (Thread t : consumers) {
                t.join(TimeUnit.SECONDS.toMillis(5));
            }
            stream.delete();
        }
    }
}
