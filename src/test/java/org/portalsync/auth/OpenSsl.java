package org.portalsync.auth;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The openssl command line, as the README tells an operator to use it for the engine's key. */
final class OpenSsl {

    private OpenSsl() {
    }

    static boolean available() {
        try {
            Process process = new ProcessBuilder("openssl", "version").redirectErrorStream(true).start();
            return process.waitFor(20, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    /** Runs {@code openssl <args> -out <dir>/<out>} and returns that file. */
    static Path run(Path dir, String out, String... args) throws Exception {
        Path file = dir.resolve(out);
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        command.addAll(List.of("-out", file.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + output);
        }
        return file;
    }
}
