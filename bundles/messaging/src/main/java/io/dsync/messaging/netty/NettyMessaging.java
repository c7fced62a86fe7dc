package io.dsync.messaging.netty;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dsync.messaging.Messaging;
import io.dsync.messaging.PeerUnreachableException;
import io.dsync.messaging.RemoteException;
import io.dsync.messaging.RequestHandler;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * {@link Messaging} over Netty: one TCP connection per peer (opened at the first request, opened again after it
 * drops), on which requests are pipelined and answered in any order, matched by a correlation id.
 *
 * <p>A frame is a 4-byte length, then a kind byte, an 8-byte correlation id and:
 * <pre>
 * request  (1): topic length (2 bytes), topic (UTF-8), body
 * answer   (2): body
 * refusal  (3): code length (2 bytes), code (UTF-8), message (UTF-8)
 * </pre>
 * A one-way message ({@link #post}) is a request with correlation id 0, which requests never use: the receiver answers
 * nothing (a 1.0 receiver answers it anyway, and the sender drops an answer that matches no request), so nodes of
 * either version understand each other.
 * Handlers run on the network threads; the futures of requests complete on a small pool of their own, so that a
 * caller's continuation can never stall a connection. Works outside OSGi: benchmarks and tests make their own.
 *
 * <p>A connection can die without either side seeing it close (a peer whose process kept an accepted socket it no
 * longer reads, a machine gone without a reset): its writes then succeed while nothing arrives, and one-way messages,
 * which nobody answers, would vanish forever. So once a frame written on a connection has gone
 * {@value #PROBE_AFTER_MS} ms without any frame coming back, the connection carries a probe (a request on topic
 * {@value #PROBE}, answered by the receiving messaging itself; an older receiver refuses it, which is an answer too);
 * with no answer within {@link #PROBE_TIMEOUT} it is closed, its requests fail as unreachable, and the next message
 * opens a new one.
 */
public final class NettyMessaging implements Messaging, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NettyMessaging.class);

    private static final byte REQUEST = 1;
    private static final byte ANSWER = 2;
    private static final byte REFUSAL = 3;
    private static final int HEADER = 1 + 8;
    /** The correlation id of one-way messages: no answer is wanted. */
    private static final long ONE_WAY = 0;
    /** Frames may carry a body of {@link #MAX_BODY_BYTES} plus a topic or a refusal's message. */
    private static final int MAX_FRAME = MAX_BODY_BYTES + 64 * 1024;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** The topic of the probes, answered by every NettyMessaging that listens. */
    static final String PROBE = "messaging.probe";
    /** How long a written frame may go without any frame read back before the connection is probed. */
    static final long PROBE_AFTER_MS = 500;
    /** How long a probe waits for its answer before its connection is closed. */
    static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

    private final String name;
    private final EventLoopGroup group;
    private final ExecutorService callbacks;
    private final Map<String, RequestHandler> handlers = new ConcurrentHashMap<>();
    private final Map<InetSocketAddress, Peer> peers = new ConcurrentHashMap<>();
    /** The connections this node accepted, closed with it (their event loops may not close a late one). */
    private final Set<Channel> accepted = ConcurrentHashMap.newKeySet();
    private final AtomicLong acceptedSoFar = new AtomicLong();
    private final AtomicLong ids = new AtomicLong();
    private final Channel server;
    private volatile boolean closed;

    private NettyMessaging(String name, String bindHost, int port) {
        this.name = name;
        int threads = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));
        this.group = new MultiThreadIoEventLoopGroup(threads, threads(name + "-io"), NioIoHandler.newFactory());
        this.callbacks = Executors.newCachedThreadPool(threads(name + "-reply"));
        if (bindHost == null) {
            this.server = null;
            return;
        }
        try {
            this.server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            accepted.add(ch);
                            acceptedSoFar.incrementAndGet();
                            ch.closeFuture().addListener(f -> accepted.remove(ch));
                            if (closed) {
                                // Accepted while this messaging closes, after it closed the others.
                                ch.close();
                                return;
                            }
                            pipeline(ch, new Inbound(null));
                        }
                    }).bind(bindHost, port).syncUninterruptibly().channel();
        } catch (Exception e) { // Netty throws a taken port's BindException, checked, without declaring it
            shutdown();
            throw new IllegalStateException("cannot listen for node messages on " + bindHost + ":" + port + ": " + e, e);
        }
    }

    /** Requests only: serves no topic (a benchmark's or a test's client). */
    public static NettyMessaging client(String name) {
        return new NettyMessaging(name, null, 0);
    }

    /** Listens on {@code host:port} (port 0: any free one, see {@link #localAddress()}) and sends requests. */
    public static NettyMessaging listen(String name, String host, int port) {
        return new NettyMessaging(name, host, port);
    }

    /** How many connections this node has accepted since it started (for tests). */
    long acceptedConnections() {
        return acceptedSoFar.get();
    }

    /** Where this node listens, or {@code null} for a client only. */
    public InetSocketAddress localAddress() {
        return server == null ? null : (InetSocketAddress) server.localAddress();
    }

    @Override
    public Registration serve(String topic, RequestHandler handler) {
        if (PROBE.equals(topic)) {
            throw new IllegalArgumentException("topic '" + PROBE + "' is node messaging's own (its probes)");
        }
        if (handlers.putIfAbsent(topic, handler) != null) {
            throw new IllegalStateException("topic '" + topic + "' is served already");
        }
        return () -> handlers.remove(topic, handler);
    }

    @Override
    public CompletableFuture<byte[]> request(InetSocketAddress peer, String topic, byte[] body, Duration timeout) {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        if (body.length > MAX_BODY_BYTES) {
            result.completeExceptionally(new IllegalArgumentException("a request of " + body.length
                    + " bytes exceeds the messaging limit of " + MAX_BODY_BYTES + " bytes"));
            return result;
        }
        if (closed) {
            result.completeExceptionally(new PeerUnreachableException("messaging of " + name + " is closed"));
            return result;
        }
        Peer p = peers.computeIfAbsent(peer, Peer::new);
        long id = ids.incrementAndGet();
        p.connect.addListener(f -> {
            if (!f.isSuccess()) {
                peers.remove(peer, p);
                fail(result, new PeerUnreachableException("cannot connect to " + peer + ": " + f.cause().getMessage()));
                return;
            }
            p.send(id, topic, body, timeout, result);
        });
        return result;
    }

    @Override
    public void post(InetSocketAddress peer, String topic, byte[] body) {
        if (body.length > MAX_BODY_BYTES) {
            throw new IllegalArgumentException("a message of " + body.length
                    + " bytes exceeds the messaging limit of " + MAX_BODY_BYTES + " bytes");
        }
        if (closed) {
            LOG.debug("Message to {} on '{}' dropped: messaging of {} is closed", peer, topic, name);
            return;
        }
        Peer p = peers.computeIfAbsent(peer, Peer::new);
        // Through the connection's listeners like a request, even when connected: so messages and requests keep
        // the order in which they were sent.
        p.connect.addListener(f -> {
            if (f.isSuccess()) {
                p.post(topic, body);
            } else {
                peers.remove(peer, p);
                LOG.debug("Message to {} on '{}' dropped: cannot connect: {}", peer, topic, f.cause().toString());
            }
        });
    }

    @Override
    public void close() {
        closed = true;
        if (server != null) {
            server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
            // A connection accepted but not yet registered on its event loop is not among them: it closes itself
            // when it registers (initChannel sees closed).
            accepted.forEach(Channel::close);
        }
        peers.values().forEach(p -> p.connect.channel().close());
        shutdown();
    }

    private void shutdown() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        callbacks.shutdown();
    }

    private static void pipeline(Channel ch, Inbound inbound) {
        ch.pipeline().addLast(new FlushConsolidationHandler(256, true),
                new LengthFieldBasedFrameDecoder(MAX_FRAME, 0, 4, 0, 4), inbound);
    }

    private void fail(CompletableFuture<byte[]> f, Throwable error) {
        complete(() -> f.completeExceptionally(error));
    }

    private void complete(Runnable r) {
        try {
            callbacks.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            r.run();
        }
    }

    /** A connection to one peer and the requests waiting for its answers. */
    private final class Peer {
        final InetSocketAddress address;
        final ChannelFuture connect;
        final Map<Long, Pending> pending = new ConcurrentHashMap<>();
        /** When the oldest frame written since the last frame read was written; 0 if none is. */
        private final AtomicLong unansweredSince = new AtomicLong();
        private volatile boolean probing;
        private volatile ScheduledFuture<?> prober;

        Peer(InetSocketAddress address) {
            this.address = address;
            this.connect = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) CONNECT_TIMEOUT.toMillis())
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            pipeline(ch, new Inbound(Peer.this));
                        }
                    }).connect(address);
            connect.addListener(f -> {
                if (f.isSuccess()) {
                    Channel ch = connect.channel();
                    prober = ch.eventLoop().scheduleWithFixedDelay(this::probeIfSilent, PROBE_AFTER_MS,
                            PROBE_AFTER_MS / 2, TimeUnit.MILLISECONDS);
                    if (!ch.isActive()) {
                        prober.cancel(false); // closed already: closed() ran before the prober existed
                    }
                }
            });
        }

        private void written() {
            if (unansweredSince.get() == 0) {
                unansweredSince.compareAndSet(0, System.nanoTime() | 1);
            }
        }

        void read() {
            if (unansweredSince.get() != 0) {
                unansweredSince.set(0);
            }
        }

        /** Probes the connection if a frame written on it has had nothing back for {@value #PROBE_AFTER_MS} ms. */
        private void probeIfSilent() {
            long since = unansweredSince.get();
            if (probing || since == 0 || System.nanoTime() - since < TimeUnit.MILLISECONDS.toNanos(PROBE_AFTER_MS)) {
                return;
            }
            probing = true;
            CompletableFuture<byte[]> answer = new CompletableFuture<>();
            send(ids.incrementAndGet(), PROBE, new byte[0], PROBE_TIMEOUT, answer);
            answer.whenComplete((ignored, error) -> {
                Channel ch = connect.channel();
                if (error instanceof PeerUnreachableException && ch.isActive()) {
                    LOG.info("Node messaging: {} answered nothing on its connection for {} ms, a probe included; "
                            + "closing it (the next message connects again)", address,
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since));
                    // Still probing: the prober may run before the close does, and must not probe again.
                    ch.close();
                } else {
                    probing = false;
                }
            });
        }

        void send(long id, String topic, byte[] body, Duration timeout, CompletableFuture<byte[]> result) {
            Channel ch = connect.channel();
            ScheduledFuture<?> timer = ch.eventLoop().schedule(() -> {
                Pending late = pending.remove(id);
                if (late != null) {
                    fail(late.result(), new PeerUnreachableException("no answer from " + address + " to '" + topic
                            + "' within " + timeout.toMillis() + " ms"));
                }
            }, timeout.toNanos(), TimeUnit.NANOSECONDS);
            pending.put(id, new Pending(result, timer));
            written();
            if (!ch.isActive()) {
                // Closed before the request was recorded: channelInactive may have swept already.
                lost(id, "the connection to " + address + " is closed");
                peers.remove(address, this);
                return;
            }
            ch.writeAndFlush(requestFrame(ch, id, topic, body)).addListener(w -> {
                if (!w.isSuccess()) {
                    lost(id, "the request to " + address + " could not be written: " + w.cause());
                }
            });
        }

        void post(String topic, byte[] body) {
            Channel ch = connect.channel();
            if (!connect.isSuccess() || !ch.isActive()) {
                peers.remove(address, this);
                LOG.debug("Message to {} on '{}' dropped: the connection is closed", address, topic);
                return;
            }
            written();
            ch.writeAndFlush(requestFrame(ch, ONE_WAY, topic, body), ch.voidPromise());
        }

        void answered(long id, byte kind, ByteBuf in) {
            Pending p = pending.remove(id);
            if (p == null) {
                return; // timed out meanwhile
            }
            p.timer().cancel(false);
            if (kind == ANSWER) {
                byte[] body = new byte[in.readableBytes()];
                in.readBytes(body);
                complete(() -> p.result().complete(body));
            } else {
                String code = readString(in, in.readUnsignedShort());
                String message = readString(in, in.readableBytes());
                fail(p.result(), new RemoteException(code, message));
            }
        }

        void lost(long id, String why) {
            Pending p = pending.remove(id);
            if (p != null) {
                p.timer().cancel(false);
                fail(p.result(), new PeerUnreachableException(why));
            }
        }

        void closed() {
            peers.remove(address, this);
            ScheduledFuture<?> p = prober;
            if (p != null) {
                p.cancel(false);
            }
            for (Long id : pending.keySet()) {
                lost(id, "the connection to " + address + " closed before the answer came");
            }
        }
    }

    private static ByteBuf requestFrame(Channel ch, long id, String topic, byte[] body) {
        byte[] t = topic.getBytes(StandardCharsets.UTF_8);
        ByteBuf frame = ch.alloc().buffer(4 + HEADER + 2 + t.length + body.length);
        frame.writeInt(HEADER + 2 + t.length + body.length).writeByte(REQUEST).writeLong(id)
                .writeShort(t.length).writeBytes(t).writeBytes(body);
        return frame;
    }

    private record Pending(CompletableFuture<byte[]> result, ScheduledFuture<?> timer) {
    }

    /** Frames of one connection: requests (served here) and, on connections this node opened, answers. */
    private final class Inbound extends SimpleChannelInboundHandler<ByteBuf> {
        private final Peer peer;

        Inbound(Peer peer) {
            this.peer = peer;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf in) {
            byte kind = in.readByte();
            long id = in.readLong();
            if (peer != null) {
                peer.read();
            }
            if (kind == REQUEST) {
                String topic = readString(in, in.readUnsignedShort());
                byte[] body = new byte[in.readableBytes()];
                in.readBytes(body);
                serveRequest(ctx.channel(), id, topic, body);
            } else if (peer != null && (kind == ANSWER || kind == REFUSAL)) {
                peer.answered(id, kind, in);
            } else {
                LOG.debug("Dropped a frame of kind {} from {}", kind, ctx.channel().remoteAddress());
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (peer != null) {
                peer.closed();
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A peer that hung up or sent garbage: the connection goes, the requests on it fail as unreachable.
            LOG.debug("Node messaging connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }

    private void serveRequest(Channel ch, long id, String topic, byte[] body) {
        RequestHandler handler = handlers.get(topic);
        CompletionStage<byte[]> answer;
        if (handler == null && PROBE.equals(topic)) {
            answer = CompletableFuture.completedFuture(null);
        } else if (handler == null) {
            answer = CompletableFuture.failedFuture(new RemoteException(RemoteException.NO_HANDLER,
                    "node messaging of " + name + " serves no topic '" + topic + "'"));
        } else {
            try {
                answer = handler.handle(body);
            } catch (RuntimeException e) {
                answer = CompletableFuture.failedFuture(e);
            }
        }
        answer.whenComplete((value, error) -> {
            if (id == ONE_WAY) {
                if (error != null) {
                    logDropped(topic, error);
                }
                return;
            }
            if (!ch.isActive()) {
                return; // the requester is gone; it treats the request as unanswered
            }
            ByteBuf frame;
            if (error == null) {
                byte[] v = value == null ? new byte[0] : value;
                frame = ch.alloc().buffer(4 + HEADER + v.length);
                frame.writeInt(HEADER + v.length).writeByte(ANSWER).writeLong(id).writeBytes(v);
            } else {
                Throwable t = cause(error);
                RemoteException refusal;
                if (t instanceof RemoteException r) {
                    refusal = r;
                } else {
                    LOG.error("The handler of node messages '{}' failed", topic, t);
                    refusal = new RemoteException(RemoteException.INTERNAL, "the handler of '" + topic + "' on "
                            + name + " failed (" + t + "); that node's log has the details");
                }
                byte[] c = refusal.code().getBytes(StandardCharsets.UTF_8);
                byte[] m = String.valueOf(refusal.getMessage()).getBytes(StandardCharsets.UTF_8);
                frame = ch.alloc().buffer(4 + HEADER + 2 + c.length + m.length);
                frame.writeInt(HEADER + 2 + c.length + m.length).writeByte(REFUSAL).writeLong(id)
                        .writeShort(c.length).writeBytes(c).writeBytes(m);
            }
            ch.writeAndFlush(frame);
        });
    }

    private static Throwable cause(Throwable error) {
        return error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
    }

    private static void logDropped(String topic, Throwable error) {
        Throwable t = cause(error);
        if (t instanceof RemoteException r) {
            LOG.debug("A one-way message on '{}' was refused: {}", topic, r.getMessage());
        } else {
            LOG.error("The handler of node messages '{}' failed", topic, t);
        }
    }

    private static String readString(ByteBuf in, int length) {
        String s = in.toString(in.readerIndex(), length, StandardCharsets.UTF_8);
        in.skipBytes(length);
        return s;
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
