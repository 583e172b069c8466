package org.portalsync.portal;

/**
 * A phone number (E.164 where the country is known) or an email address (lower-cased domain).
 *
 * @param use  FHIR {@code ContactPoint.use}: home, work, mobile, temp, old; null when not given
 * @param rank FHIR {@code ContactPoint.rank} (1 = highest), null when not given
 */
public record ContactPoint(String value, String use, Integer rank) {
}
