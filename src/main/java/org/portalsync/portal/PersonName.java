package org.portalsync.portal;

/**
 * A name as the portal shows it. {@code given} holds all given names in order, space-separated.
 */
public record PersonName(String prefix, String given, String family, String suffix) {
}
