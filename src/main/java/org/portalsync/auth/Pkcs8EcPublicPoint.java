package org.portalsync.auth;

/**
 * The public point an EC key in PKCS#8 carries beside its private value (RFC 5915 {@code ECPrivateKey.publicKey},
 * which OpenSSL writes), read with a minimal DER walk. The JDK's key factory drops it, and deriving it again would
 * mean doing curve arithmetic by hand; a JWK needs it.
 */
final class Pkcs8EcPublicPoint {

    private static final int SEQUENCE = 0x30;
    private static final int INTEGER = 0x02;
    private static final int OCTET_STRING = 0x04;
    private static final int BIT_STRING = 0x03;
    private static final int PUBLIC_KEY_TAG = 0xA1;

    private Pkcs8EcPublicPoint() {
    }

    /** @return the uncompressed point ({@code 04 || X || Y}), or null when the key holds none */
    static byte[] of(byte[] pkcs8) {
        try {
            // PrivateKeyInfo ::= SEQUENCE { version INTEGER, algorithm AlgorithmIdentifier, privateKey OCTET STRING, ... }
            Der info = Der.at(pkcs8, 0, SEQUENCE);
            Der version = Der.at(pkcs8, info.contentStart, INTEGER);
            Der algorithm = Der.at(pkcs8, version.end(), SEQUENCE);
            Der privateKey = Der.at(pkcs8, algorithm.end(), OCTET_STRING);
            // ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING, [0] parameters OPTIONAL, [1] publicKey OPTIONAL }
            Der ecKey = Der.at(pkcs8, privateKey.contentStart, SEQUENCE);
            int at = Der.at(pkcs8, ecKey.contentStart, INTEGER).end();
            at = Der.at(pkcs8, at, OCTET_STRING).end();
            while (at < ecKey.end()) {
                Der field = Der.at(pkcs8, at, -1);
                if (field.tag == PUBLIC_KEY_TAG) {
                    Der bits = Der.at(pkcs8, field.contentStart, BIT_STRING);
                    // first content byte: unused bits (0); then the point
                    if (bits.length < 2 || pkcs8[bits.contentStart] != 0 || pkcs8[bits.contentStart + 1] != 0x04) {
                        return null;
                    }
                    return java.util.Arrays.copyOfRange(pkcs8, bits.contentStart + 1, bits.end());
                }
                at = field.end();
            }
            return null;
        } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
            return null;
        }
    }

    /** One DER element: its tag, where its content starts and how long it is. */
    private record Der(int tag, int contentStart, int length) {

        static Der at(byte[] der, int offset, int expectedTag) {
            int tag = der[offset] & 0xFF;
            if (expectedTag >= 0 && tag != expectedTag) {
                throw new IllegalArgumentException("unexpected DER tag");
            }
            int first = der[offset + 1] & 0xFF;
            int length;
            int start;
            if (first < 0x80) {
                length = first;
                start = offset + 2;
            } else {
                int bytes = first & 0x7F;
                if (bytes == 0 || bytes > 3) {
                    throw new IllegalArgumentException("unsupported DER length");
                }
                length = 0;
                for (int i = 0; i < bytes; i++) {
                    length = (length << 8) | (der[offset + 2 + i] & 0xFF);
                }
                start = offset + 2 + bytes;
            }
            if (start + length > der.length) {
                throw new IllegalArgumentException("DER element past the end");
            }
            return new Der(tag, start, length);
        }

        int end() {
            return contentStart + length;
        }
    }
}
