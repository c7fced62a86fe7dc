package io.dsync.cache.node.home;

import io.dsync.cache.core.GrantId;
import io.dsync.cache.core.HomeDirectory.Holding;
import io.dsync.cache.core.MesiState;
import io.dsync.cache.core.RequestId;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The directory records a stopping cache-node bundle leaves for the next one of the same JVM, as a file in the
 * bundle's data area (kept across updates). The file starts with the {@link HomeTerms.Handover#stoppedAt} of its
 * handover, so a file left by another process, or by an earlier stop, is never read as this one's.
 */
public final class HandoverRecords {

    private static final int MAGIC = 0x44534831; // "DSH1"

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
                    out.writeLong(h.expiry());
                }
            }
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
            Map<String, List<Holding>> records = new TreeMap<>();
            int caches = in.readInt();
            for (int c = 0; c < caches; c++) {
                String cache = string(in);
                int n = in.readInt();
                List<Holding> holdings = new ArrayList<>(Math.min(n, 1 << 16));
                for (int i = 0; i < n; i++) {
                    holdings.add(new Holding(string(in), string(in),
                            new GrantId(in.readLong(), in.readLong(), in.readLong()),
                            new RequestId(in.readLong(), in.readLong()),
                            in.readBoolean() ? MesiState.EXCLUSIVE : MesiState.SHARED, in.readLong()));
                }
                records.put(cache, holdings);
            }
            return records;
        } catch (RuntimeException e) {
            throw new IOException("malformed handover records: " + e, e);
        }
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
