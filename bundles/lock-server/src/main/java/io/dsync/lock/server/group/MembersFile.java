package io.dsync.lock.server.group;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

import io.dsync.lock.protocol.LockRaftGroup;

/**
 * The members of the lock group when this node joined it ({@code <data>/raft/members.properties}: member id to
 * {@code host:port}), written once and read at every later start, so that a restart needs no registry and no
 * running group. Written to a temporary file first and moved into place, so a crash never leaves half a file.
 *
 * <p>Not thread-safe; one formation uses it at a time.
 */
public final class MembersFile {

    private final Path file;

    /**
     * @param dir the folder of the node's Raft storage
     */
    public MembersFile(Path dir) {
        this.file = dir.resolve("members.properties");
    }

    /**
     * Reads the members.
     *
     * @return them, sorted by id, or empty when the file does not exist (the node never joined a group)
     * @throws IOException if the file cannot be read or holds an entry that is not {@code host:port}
     */
    public Optional<Map<String, InetSocketAddress>> load() throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        }
        Map<String, InetSocketAddress> peers = new TreeMap<>();
        for (String id : p.stringPropertyNames()) {
            try {
                peers.put(id, LockRaftGroup.parseHostPort(p.getProperty(id)));
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": member '" + id + "' is not host:port: " + e.getMessage(), e);
            }
        }
        if (peers.isEmpty()) {
            throw new IOException(file + " lists no member");
        }
        return Optional.of(new LinkedHashMap<>(peers));
    }

    /**
     * Writes the members unless the file exists already (a node keeps the members it first joined with; later changes
     * live in the Raft log).
     *
     * @param peers the members
     * @throws IOException if the file cannot be written
     */
    public void saveIfAbsent(Map<String, InetSocketAddress> peers) throws IOException {
        if (Files.exists(file)) {
            return;
        }
        Files.createDirectories(file.getParent());
        Properties p = new Properties();
        peers.forEach((id, a) -> p.setProperty(id, LockRaftGroup.hostPort(a)));
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            p.store(out, "members of the lock Raft group when this node joined it");
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public String toString() {
        return file.toString();
    }
}
