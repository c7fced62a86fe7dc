package io.dsync.cache.node.home;

import io.dsync.cache.core.GrantId;
import io.dsync.cache.core.HomeDirectory.Holding;
import io.dsync.cache.core.MesiState;
import io.dsync.cache.core.RequestId;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Directory records, in two forms: what a stopping cache-node bundle leaves for the next bundle of the same JVM, as
 * a file in the bundle's data area (kept across updates), and what a cache node hands to another, as a
 * {@link HomeTerms.HandOff} message (to the others when its process stops, to a node that joins). Lease ends travel as what remained of them when they were written, so that the
 * reader puts them on its own clock: the file starts with the {@link HomeTerms.Handover#stoppedAt} of its handover
 * (so a file left by another process, or by an earlier stop, is never read as this one's), and a hand-off's reader
 * adds what it was sent to the time it received it, plus the drift margin.
 */
public final class HandoverRecords {

    private static final int MAGIC = 0x44534832; // "DSH2": lease ends relative to a base time
    private static final int HAND_OFF = 0x44534F31; // "DSO1"

    /** A hand-off as received: its times, and its records', on the receiver's clock. */
    public record Received(HomeTerms.HandOff handOff, Map<String, List<Holding>> records) {
    }

    private HandoverRecords() {
    }

    /**
     * Writes the records.
     *
     * @param file where
     * @param stoppedAt the handover's {@code stoppedAt}
     * @param records the records by cache
     * @throws IOException if the file cannot be written
     */
    public static void write(Path file, long stoppedAt, Map<String, List<Holding>> records) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
            out.writeInt(MAGIC);
            out.writeLong(stoppedAt);
            holdings(out, stoppedAt, records);
        }
    }

    /**
     * Reads the records of the handover that stopped at {@code stoppedAt}.
     *
     * @param file where
     * @param stoppedAt the handover's {@code stoppedAt}
     * @return the records by cache
     * @throws IOException if the file cannot be read, is not this handover's or is malformed
     */
    public static Map<String, List<Holding>> read(Path file, long stoppedAt) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            if (in.readInt() != MAGIC || in.readLong() != stoppedAt) {
                throw new IOException("not the records of this handover");
            }
            return holdings(in, stoppedAt);
        } catch (RuntimeException e) {
            throw new IOException("malformed handover records: " + e, e);
        }
    }

    /**
     * Encodes a hand-off for one receiver.
     *
     * @param handOff the hand-off, its times on the sender's clock
     * @param now the sender's time now
     * @param records the records of the keys the receiver homes next, by cache, on the sender's clock
     * @return the message body
     */
    public static byte[] encode(HomeTerms.HandOff handOff, long now, Map<String, List<Holding>> records) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(HAND_OFF);
            string(out, handOff.from());
            out.writeLong(handOff.epoch());
            out.writeLong(handOff.next());
            out.writeInt(handOff.members().size());
            for (String m : handOff.members()) {
                string(out, m);
            }
            out.writeBoolean(handOff.quarantineUntil() != Long.MIN_VALUE);
            out.writeLong(Math.max(0, handOff.quarantineUntil() - now));
            holdings(out, now, records);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // not from a byte array
        }
        return bytes.toByteArray();
    }

    /**
     * Decodes a hand-off: every time the sender sent as what remained of it is put on this node's clock as
     * {@code receivedAt + remaining + margin} (it was sent before it was received, and the clocks' rates differ by less
     * than the margin over a lease).
     *
     * @param body the message body
     * @param receivedAt this node's time when it received it
     * @param margin the drift margin
     * @return the hand-off and its records
     * @throws IOException if the body is not a hand-off or is malformed
     */
    public static Received decode(byte[] body, long receivedAt, long margin) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(body))) {
            if (in.readInt() != HAND_OFF) {
                throw new IOException("not a cache hand-off");
            }
            String from = string(in);
            long epoch = in.readLong();
            long next = in.readLong();
            int count = in.readInt();
            if (count < 0 || count > 1 << 16) {
                throw new IOException(count + " members");
            }
            List<String> members = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                members.add(string(in));
            }
            boolean quarantined = in.readBoolean();
            long quarantine = in.readLong();
            long base = receivedAt + margin;
            Map<String, List<Holding>> records = holdings(in, base);
            return new Received(new HomeTerms.HandOff(from, epoch, members, next,
                    quarantined ? base + quarantine : Long.MIN_VALUE), records);
        } catch (RuntimeException e) {
            throw new IOException("malformed cache hand-off: " + e, e);
        }
    }

    private static void holdings(DataOutputStream out, long base, Map<String, List<Holding>> records)
            throws IOException {
        out.writeInt(records.size());
        for (Map.Entry<String, List<Holding>> cache : records.entrySet()) {
            string(out, cache.getKey());
            out.writeInt(cache.getValue().size());
            for (Holding h : cache.getValue()) {
                string(out, h.key());
                string(out, h.node());
                out.writeLong(h.grant().epoch());
                out.writeLong(h.grant().incarnation());
                out.writeLong(h.grant().seq());
                out.writeLong(h.request().incarnation());
                out.writeLong(h.request().seq());
                out.writeBoolean(h.state() == MesiState.EXCLUSIVE);
                out.writeLong(h.expiry() - base);
            }
        }
    }

    private static Map<String, List<Holding>> holdings(DataInputStream in, long base) throws IOException {
        Map<String, List<Holding>> records = new TreeMap<>();
        int caches = in.readInt();
        for (int c = 0; c < caches; c++) {
            String cache = string(in);
            int n = in.readInt();
            List<Holding> holdings = new ArrayList<>(Math.min(Math.max(n, 0), 1 << 16));
            for (int i = 0; i < n; i++) {
                holdings.add(new Holding(string(in), string(in),
                        new GrantId(in.readLong(), in.readLong(), in.readLong()),
                        new RequestId(in.readLong(), in.readLong()),
                        in.readBoolean() ? MesiState.EXCLUSIVE : MesiState.SHARED, base + in.readLong()));
            }
            records.put(cache, holdings);
        }
        return records;
    }

    private static void string(DataOutputStream out, String s) throws IOException {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String string(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > 1 << 24) {
            throw new IOException("a string of " + length + " bytes");
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
