package org.portalsync.authority;

import java.nio.file.Path;

/**
 * Prints the authority matrix as a Markdown table, read from an authority file exactly as the engine
 * reads it (default: {@code config/authority.yaml}); with {@code --json}, as the engine serves it.
 * The README's table is this output for the shipped file, and a test keeps them equal.
 */
public final class PrintAuthorityMatrix {

    private PrintAuthorityMatrix() {
    }

    public static void main(String[] args) {
        boolean json = args.length > 0 && args[0].equals("--json");
        Path file = Path.of(args.length > (json ? 1 : 0) ? args[json ? 1 : 0] : "config/authority.yaml");
        AuthorityMatrix matrix = AuthorityFile.load(file);
        System.out.print(json ? matrix.toJson().toPrettyString() + "\n" : matrix.toMarkdown());
    }
}
