package io.dsync.devkit;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * Which local process opened a loopback TCP connection, read from Linux's {@code /proc}: the connecting socket is the
 * one whose local port is the accepted socket's remote port and whose remote port is the listening port; its inode is
 * then looked up among the open files of the candidate processes.
 *
 * <p>This is how a {@link TcpProxy} in front of one node tells which node a connection comes from, although every
 * node dials the same proxy port: the node-to-node partitions of {@link LocalCluster} need the direction of each link.
 * On systems without {@code /proc} every lookup answers "unknown".
 */
final class SocketOwners {

    private static final Path PROC = Path.of("/proc");

    private SocketOwners() {
    }

    /**
     * @param clientPort the connecting socket's local port (the accepted socket's remote port)
     * @param serverPort the port it connected to
     * @param candidates the processes that may own it
     * @return the owner's pid, or empty when none of the candidates owns it (or it is gone)
     */
    static OptionalLong owner(int clientPort, int serverPort, List<Long> candidates) {
        long inode = inode(clientPort, serverPort);
        if (inode <= 0) {
            return OptionalLong.empty();
        }
        String link = "socket:[" + inode + "]";
        for (long pid : candidates) {
            try (DirectoryStream<Path> fds = Files.newDirectoryStream(PROC.resolve(Long.toString(pid)).resolve("fd"))) {
                for (Path fd : fds) {
                    try {
                        if (link.equals(Files.readSymbolicLink(fd).toString())) {
                            return OptionalLong.of(pid);
                        }
                    } catch (IOException e) {
                        // closed while we looked
                    }
                }
            } catch (IOException e) {
                // process gone or not ours
            }
        }
        return OptionalLong.empty();
    }

    /** @return the inode of the socket {@code *:clientPort -> *:serverPort}, or 0 */
    static long inode(int clientPort, int serverPort) {
        for (String table : new String[] {"net/tcp", "net/tcp6"}) {
            List<String> lines;
            try {
                lines = Files.readAllLines(PROC.resolve(table));
            } catch (IOException e) {
                continue;
            }
            for (int i = 1; i < lines.size(); i++) {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
                String[] f = lines.get(i).trim().split("\\s+");
                // Skips sockets in TIME_WAIT from earlier connections on the same ports: they have inode 0.
                if (f.length > 9 && port(f[1]) == clientPort && port(f[2]) == serverPort && !"0".equals(f[9])) {
                    return Long.parseLong(f[9]);
                }
            }
        }
        return 0;
    }

    private static int port(String hexAddress) {
        return Integer.parseInt(hexAddress.substring(hexAddress.indexOf(':') + 1), 16);
    }
}
