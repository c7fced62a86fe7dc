package io.dsync.cache.protocol;

import io.dsync.cache.core.CoherenceMessage;
import io.dsync.messaging.Messaging;
import io.dsync.messaging.RemoteException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends coherence messages to other nodes as one-way node messages ({@link Messaging#post}), best effort: the protocol
 * retransmits whatever it waits for, so a message that cannot be delivered is dropped (logged at DEBUG). Messages to homes go to the topic
 * {@value #TOPIC_HOME}, served by cache nodes; messages to nodes go to {@value #TOPIC_NODE}, served by the cache client
 * of every node. The answer of either is empty: answers travel as messages of their own.
 */
public final class CoherenceTransport {

    public static final String TOPIC_HOME = "cache.home";
    public static final String TOPIC_NODE = "cache.node";

    private static final Logger LOG = LoggerFactory.getLogger(CoherenceTransport.class);

    private final Messaging messaging;
    private final String self;
    private final Function<String, InetSocketAddress> addresses;
    private volatile java.util.function.Consumer<CoherenceMessage> sent = m -> { };

    /**
     * @param messaging node messaging
     * @param self this node's id, named as the sender
     * @param addresses a node's messaging address, or {@code null} when it is not known
     */
    public CoherenceTransport(Messaging messaging, String self, Function<String, InetSocketAddress> addresses) {
        this.messaging = messaging;
        this.self = self;
        this.addresses = addresses;
    }

    public String self() {
        return self;
    }

    /** Sets what learns of every message sent (for metrics); it must be quick. */
    public void onSent(java.util.function.Consumer<CoherenceMessage> listener) {
        this.sent = listener;
    }

    /** Takes in the coherence messages of one kind. */
    @FunctionalInterface
    public interface Receiver<M extends CoherenceMessage> {
        void receive(String cache, String from, M message);
    }

    /**
     * Serves a coherence topic: decodes each message and hands it to {@code receiver} on the network thread (which
     * only serializes it into the protocol instance, never waiting). A body that is not a coherence message of the
     * topic's kind is refused (a one-way message's refusal stays with the receiver, logged at DEBUG).
     *
     * @param messaging node messaging
     * @param topic {@value #TOPIC_HOME} or {@value #TOPIC_NODE}
     * @param kind {@code CoherenceMessage.ToHome.class} or {@code CoherenceMessage.ToNode.class}
     * @param receiver takes the messages in
     * @return the registration; closing it stops serving
     */
    public static <M extends CoherenceMessage> Messaging.Registration serve(Messaging messaging, String topic,
            Class<M> kind, Receiver<M> receiver) {
        return messaging.serve(topic, body -> {
            CacheWire.Envelope envelope;
            try {
                envelope = CacheWire.decode(body);
            } catch (CacheWireException e) {
                throw new RemoteException("bad-request", "not a coherence message: " + e.getMessage());
            }
            if (!kind.isInstance(envelope.message())) {
                throw new RemoteException("bad-request", "not a message for topic " + topic + ": "
                        + envelope.message());
            }
            if (LOG.isTraceEnabled()) {
                LOG.trace("Coherence message from {} about {}: {}", envelope.from(), envelope.cache(),
                        envelope.message());
            }
            receiver.receive(envelope.cache(), envelope.from(), kind.cast(envelope.message()));
            return CompletableFuture.completedFuture(new byte[0]);
        });
    }

    /** Sends {@code message} about a key of {@code cache} to node {@code to}; never throws. */
    public void send(String cache, String to, CoherenceMessage message) {
        InetSocketAddress address = addresses.apply(to);
        if (address == null) {
            LOG.debug("No messaging address for node {}: message {} dropped", to, message);
            return;
        }
        byte[] body;
        try {
            body = CacheWire.encode(new CacheWire.Envelope(cache, self, message));
        } catch (RuntimeException e) {
            LOG.error("Could not encode coherence message {}: dropped", message, e);
            return;
        }
        String topic = message instanceof CoherenceMessage.ToHome ? TOPIC_HOME : TOPIC_NODE;
        sent.accept(message);
        if (LOG.isTraceEnabled()) {
            LOG.trace("Coherence message to {} ({}) about {}: {}", to, address, cache, message);
        }
        try {
            messaging.post(address, topic, body);
        } catch (RuntimeException e) {
            LOG.debug("Coherence message to {} not sent: {}", to, e.toString());
        }
    }
}
