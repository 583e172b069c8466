package org.portalsync.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for servers a test starts on a port it must name in advance (MLLP listener, SMTP, management, a database).
 *
 * <p>A port found free is not yet taken: an engine binds its listeners only once its routes start, tens of
 * seconds later on a busy machine, and the other surefire JVM may have found the same port free meanwhile. Each
 * port handed out is therefore claimed with a file lock that this JVM holds until it exits, and another JVM skips
 * a claimed one. The ports lie below the kernel's ephemeral range, so that no outgoing connection takes one either.
 */
public final class FreePorts {

    private static final int FIRST = 20_000;
    private static final int COUNT = 10_000;
    private static final Path CLAIMS = Path.of(System.getProperty("java.io.tmpdir"), "portal-sync-test-ports");
    private static final List<FileLock> HELD = new CopyOnWriteArrayList<>();

    private FreePorts() {
    }

    /** A port nobody listens on now and that no other test JVM will hand out while this one runs. */
    public static synchronized int next() throws IOException {
        Files.createDirectories(CLAIMS);
        int start = ThreadLocalRandom.current().nextInt(COUNT);
        for (int i = 0; i < COUNT; i++) {
            int port = FIRST + (start + i) % COUNT;
            if (claim(port)) {
                return port;
            }
        }
        throw new IOException("no free test port in " + FIRST + "-" + (FIRST + COUNT - 1));
    }

    private static boolean claim(int port) throws IOException {
        FileChannel channel = FileChannel.open(CLAIMS.resolve(Integer.toString(port)), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException heldHere) {
            lock = null;
        }
        if (lock == null || !isFree(port)) {
            channel.close();
            return false;
        }
        HELD.add(lock);
        return true;
    }

    private static boolean isFree(int port) {
        try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getByName("0.0.0.0"))) {
            return true;
        } catch (IOException taken) {
            return false;
        }
    }
}
