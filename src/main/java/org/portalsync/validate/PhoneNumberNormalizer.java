package org.portalsync.validate;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberFormat;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;

import java.util.Locale;
import java.util.Optional;

/**
 * Normalises a phone number to E.164 ({@code +31612345678}) with libphonenumber's metadata: a
 * national number is read in the given region, an international one ({@code +…}, {@code 00…} from
 * that region, {@code tel:} URIs) in its own. Only numbers libphonenumber calls valid for their
 * region pass: a number with the right length but an unassigned range is refused, because the
 * portal sends text messages to it.
 *
 * <p>Stateless and thread-safe ({@link PhoneNumberUtil} is).
 */
public final class PhoneNumberNormalizer {

    /** libphonenumber's region for "none": only numbers in international form can be read. */
    private static final String UNKNOWN_REGION = "ZZ";

    private final PhoneNumberUtil util = PhoneNumberUtil.getInstance();

    /**
     * @param raw    the number as written, e.g. {@code (03) 5555 6473}
     * @param region ISO 3166-1 alpha-2 to read a national number in; null or unsupported = international only
     * @return the number in E.164 (an extension is dropped); empty when it cannot be parsed or is not valid
     */
    public Optional<String> toE164(String raw, String region) {
        if (raw == null || raw.isBlank()) {
            return Optional.empty();
        }
        try {
            PhoneNumber number = util.parse(raw.strip(), isSupportedRegion(region) ? region.toUpperCase(Locale.ROOT) : UNKNOWN_REGION);
            return util.isValidNumber(number) ? Optional.of(util.format(number, PhoneNumberFormat.E164)) : Optional.empty();
        } catch (NumberParseException e) {
            return Optional.empty();
        }
    }

    /** @return whether libphonenumber has numbering rules for this ISO 3166-1 alpha-2 region */
    public boolean isSupportedRegion(String region) {
        return region != null && util.getSupportedRegions().contains(region.toUpperCase(Locale.ROOT));
    }
}
