package io.dsync.messaging.internal;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dsync.messaging.Messaging;
import io.dsync.messaging.RequestHandler;
import io.dsync.messaging.netty.NettyMessaging;

/**
 * This node's {@link Messaging} service: listens on {@code dsync.node.bind}:{@code dsync.port.messaging} (the
 * launcher picks the port and the registry advertises it). A thin adapter around {@link NettyMessaging}.
 */
@Component(service = Messaging.class, immediate = true)
public final class MessagingComponent implements Messaging {

    private static final Logger LOG = LoggerFactory.getLogger(MessagingComponent.class);

    private final NettyMessaging messaging;

    @Activate
    public MessagingComponent(BundleContext context) {
        String node = property(context, "dsync.node.id", "node");
        String bind = property(context, "dsync.node.bind", "127.0.0.1");
        String port = property(context, "dsync.port.messaging", "0");
        this.messaging = NettyMessaging.listen("dsync-msg-" + node, bind, Integer.parseInt(port));
        if ("0".equals(port)) {
            LOG.info("Node messaging listens on {}, a port that no other node knows (dsync.port.messaging is not set)",
                    messaging.localAddress());
        } else {
            LOG.info("Node messaging listens on {}", messaging.localAddress());
        }
    }

    private static String property(BundleContext context, String name, String dflt) {
        String v = context.getProperty(name);
        return v == null || v.isBlank() ? dflt : v.trim();
    }

    @Deactivate
    void deactivate() {
        messaging.close();
    }

    @Override
    public Registration serve(String topic, RequestHandler handler) {
        return messaging.serve(topic, handler);
    }

    @Override
    public CompletableFuture<byte[]> request(InetSocketAddress peer, String topic, byte[] body, Duration timeout) {
        return messaging.request(peer, topic, body, timeout);
    }

    @Override
    public void post(InetSocketAddress peer, String topic, byte[] body) {
        messaging.post(peer, topic, body);
    }
}
