package io.dsync.lock.client;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import io.dsync.lock.LockHandle;
import io.dsync.lock.LockMode;
import io.dsync.lock.SessionId;

/**
 * A live session that one instance of the lock client hands to the next one instead of closing it, when the lock
 * client's bundle (or a bundle it uses) is updated or restarted: what {@link ClientLockSession#handOver()} leaves and
 * {@link ClientLockService#resume} takes up. The session stays open in the lock table meanwhile (nothing renews it: it
 * must be resumed within its TTL), with its locks.
 *
 * @param id the session id
 * @param ttl its TTL
 * @param lastCallId the largest call id the handing instance may have used; the next one starts far above it
 * @param lowestUnsettled the lowest call id that the handing instance may still send or ask about (a release retried
 *     while no majority answers), 0 if none
 * @param held the locks the session held, as its caller's handles
 */
public record SessionHandover(SessionId id, Duration ttl, long lastCallId, long lowestUnsettled,
        List<LockHandle> held) {

    /** "DLHS": first int of a list of handovers. */
    private static final int MAGIC = 0x444C4853;
    private static final int VERSION = 1;

    /**
     * Copies the list of locks.
     *
     * @param id the session id
     * @param ttl its TTL
     * @param lastCallId the largest call id used so far
     * @param lowestUnsettled the lowest call id still unsettled, 0 if none
     * @param held the locks it held
     */
    public SessionHandover {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(ttl, "ttl");
        held = List.copyOf(held);
    }

    /**
     * Writes handovers, for a file that outlives the bundle's class loader.
     *
     * @param out the output
     * @param sessions the handovers
     * @throws IOException if writing fails
     */
    public static void write(DataOutputStream out, List<SessionHandover> sessions) throws IOException {
        out.writeInt(MAGIC);
        out.writeInt(VERSION);
        out.writeInt(sessions.size());
        for (SessionHandover s : sessions) {
            out.writeUTF(s.id.value());
            out.writeLong(s.ttl.toMillis());
            out.writeLong(s.lastCallId);
            out.writeLong(s.lowestUnsettled);
            out.writeInt(s.held.size());
            for (LockHandle h : s.held) {
                out.writeUTF(h.name());
                out.writeBoolean(h.mode() == LockMode.EXCLUSIVE);
                out.writeLong(h.fencingToken());
                out.writeInt(h.holdCount());
                out.writeLong(h.lease().toMillis());
                out.writeLong(h.leaseExpiresAt().toEpochMilli());
            }
        }
        out.writeInt(MAGIC);
        out.flush();
    }

    /**
     * Reads what {@link #write} wrote.
     *
     * @param in the input
     * @return the handovers
     * @throws IOException if reading fails or the bytes are not such a list
     */
    public static List<SessionHandover> read(DataInputStream in) throws IOException {
        if (in.readInt() != MAGIC || in.readInt() != VERSION) {
            throw new IOException("not a list of lock session handovers of version " + VERSION);
        }
        int n = in.readInt();
        List<SessionHandover> sessions = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            SessionId id = new SessionId(in.readUTF());
            Duration ttl = Duration.ofMillis(in.readLong());
            long lastCallId = in.readLong();
            long lowestUnsettled = in.readLong();
            int locks = in.readInt();
            List<LockHandle> held = new ArrayList<>(locks);
            for (int j = 0; j < locks; j++) {
                held.add(new LockHandle(in.readUTF(), in.readBoolean() ? LockMode.EXCLUSIVE : LockMode.SHARED, id,
                        in.readLong(), in.readInt(), Duration.ofMillis(in.readLong()),
                        Instant.ofEpochMilli(in.readLong())));
            }
            sessions.add(new SessionHandover(id, ttl, lastCallId, lowestUnsettled, held));
        }
        if (in.readInt() != MAGIC) {
            throw new IOException("truncated list of lock session handovers");
        }
        return sessions;
    }

    /**
     * Writes handovers to a file, atomically: a reader finds the whole list or the file as it was.
     *
     * @param file the file
     * @param sessions the handovers
     * @throws IOException if writing fails
     */
    public static void save(Path file, List<SessionHandover> sessions) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
            write(out, sessions);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Reads the handovers of a file that {@link #save} wrote.
     *
     * @param file the file
     * @return the handovers
     * @throws IOException if reading fails or the file is not a list of handovers
     */
    public static List<SessionHandover> load(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            return read(in);
        }
    }
}
