package io.dsync.queue.node.owner;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.dsync.queue.QueueConfig;
import io.dsync.queue.node.TestRedis;
import io.dsync.queue.node.store.PartitionStore;
import io.dsync.queue.protocol.PartitionKeys;
import io.dsync.queue.protocol.QueueMeta;
import io.dsync.queue.protocol.QueueWire.InDelivery;
import io.dsync.queue.protocol.QueueWire.OutMessage;

/**
 * The polls of a queue node over a real Redis: a poll that ends (its wait is over, or its client cancels it) while it
 * is taking messages answers with them, so that nothing is taken only to be given back; a node closed with a drain
 * finishes what it accepted.
 */
class QueueNodeTest {

    private static final PartitionStore STORE = new PartitionStore(TestRedis.client());
    private static final QueueMeta META = QueueMeta.of(QueueConfig.of("q"), 1);

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final QueueNode node = new QueueNode(timer);
    private PartitionOwner owner;
    /** Runs after the node heard that messages are ready (its polls' takes have started). */
    private volatile Runnable afterReady = () -> { };

    @AfterEach
    void stop() {
        node.close();
        timer.shutdownNow();
    }

    private void own(String test) {
        PartitionKeys keys = PartitionKeys.of(parts -> "dsync:node-" + test + ":" + String.join(":", parts), "q", 0);
        long epoch = STORE.claim(keys, "n1", 0).toCompletableFuture().join();
        owner = new PartitionOwner(META, 0, keys, epoch, STORE.load(keys), STORE, System::currentTimeMillis, timer,
                (queue, call, key, payload, headers) -> CompletableFuture.completedFuture(null),
                new PartitionOwner.Listener() {
                    @Override
                    public void ready(PartitionOwner o) {
                        node.ready(o);
                        afterReady.run();
                    }

                    @Override
                    public void lost(PartitionOwner o, Throwable cause) {
                        node.lost(o, cause);
                    }
                }, node.bodies());
        owner.start();
        node.add(owner);
    }

    private void send(int n, String call) {
        List<OutMessage> messages = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            messages.add(new OutMessage(null, ("m" + i).getBytes(StandardCharsets.UTF_8), Map.of()));
        }
        join(owner.send(call, messages));
    }

    @Test
    void anAnswerStaysWithinWhatNodeMessagingCarriesAndTheRestIsGivenBackUncounted() {
        own("large");
        int size = 7 << 20;
        List<OutMessage> big = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            big.add(new OutMessage(null, new byte[size], Map.of()));
        }
        join(owner.send("big", big));
        List<InDelivery> first = join(node.poll("q", null, 10, 0));
        assertThat(first).as("two of 7 MiB fit in 16 MiB, not three").hasSize(2);
        List<InDelivery> second = join(node.poll("q", null, 10, 0));
        assertThat(second).as("the third, given back without counting a delivery").singleElement()
                .satisfies(d -> assertThat(d.attempt()).isEqualTo(1));
    }

    @Test
    void aPollThatDoesNotWaitAnswersWithWhatItsTakeBrings() {
        own("nowait");
        for (int round = 0; round < 20; round++) {
            send(3, "c" + round);
            List<InDelivery> got = join(node.poll("q", null, 10, 0));
            assertThat(got).as("round %d", round).hasSize(3);
            assertThat(owner.stats().inFlight()).as("nothing given back, round %d", round).isEqualTo(3 * (round + 1));
        }
    }

    @Test
    void aPollCancelledWhileItTakesAnswersWithWhatItTook() {
        own("cancel");
        for (int round = 0; round < 20; round++) {
            String pollId = "p" + round;
            CompletableFuture<List<InDelivery>> poll = node.poll("q", pollId, 10, 10_000).toCompletableFuture();
            assertThat(poll).isNotDone();
            // The send makes the owner report the message ready, which starts the poll's take (in Redis); the cancel
            // comes while that runs.
            afterReady = () -> node.cancel(pollId);
            join(owner.send("c" + round, List.of(new OutMessage(null, new byte[] {1}, Map.of()))));
            assertThat(join(poll)).as("round %d", round).hasSize(1);
            assertThat(owner.stats().inFlight()).as("nothing given back, round %d", round).isEqualTo(round + 1);
        }
    }

    @Test
    void aCancelledPollWithNothingToTakeAnswersEmptyAtOnce() {
        own("empty");
        CompletableFuture<List<InDelivery>> poll = node.poll("q", "p", 10, 60_000).toCompletableFuture();
        node.cancel("p");
        assertThat(join(poll)).isEmpty();
    }

    @Test
    void aNodeClosedWithADrainFinishesTheWritesItAcceptedAndAnswersThePollWhoseTakeIsBeingWritten() {
        own("close-drain");
        send(1, "c1");
        // A large send keeps the pipeline busy; the poll's take waits behind it for the next batch.
        List<OutMessage> bulk = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            bulk.add(new OutMessage(null, new byte[2048], Map.of()));
        }
        CompletableFuture<List<String>> stored = owner.send("bulk", bulk).toCompletableFuture();
        CompletableFuture<List<InDelivery>> taking = node.poll("q", "p1", 10, 10_000).toCompletableFuture();
        CompletableFuture<List<InDelivery>> waiting = node.poll("q", "p2", 10, 10_000).toCompletableFuture();
        node.close(Duration.ofSeconds(5));
        assertThat(stored).as("the send accepted before the close").isCompleted();
        assertThat(stored.join()).hasSize(400);
        assertThat(taking).as("the poll whose take was accepted").isCompleted();
        assertThat(taking.join()).extracting(d -> new String(d.payload(), StandardCharsets.UTF_8)).containsExactly("m0");
        assertThat(waiting).as("a poll that only waited").isCompleted();
        // p2 is answered empty if it only waited; if Redis stored the bulk before the close began (a busy machine:
        // the CI saw it twice, once after checking that the send was not done yet), p2's take from the bulk was
        // accepted and is answered with what it took, once: bulk messages only, m0 being p1's alone.
        assertThat(waiting.join()).as("p2's answer").allSatisfy(d -> {
            assertThat(d.attempt()).isEqualTo(1);
            assertThat(d.payload()).hasSize(2048);
        });
        assertThat(node.poll("q", "p3", 10, 10_000).toCompletableFuture().getNow(null)).as("a poll after the close")
                .isEmpty();
    }

    private static <T> T join(CompletionStage<T> stage) {
        return stage.toCompletableFuture().join();
    }
}
