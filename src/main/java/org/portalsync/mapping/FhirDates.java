package org.portalsync.mapping;

import org.hl7.fhir.r4.model.BaseDateTimeType;

import java.time.LocalDate;
import java.time.Year;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;

/** Calendar days read from FHIR date and dateTime values, shared by the mappers. */
public final class FhirDates {

    /**
     * FHIR's extension for the IANA zone of a date-time (http://hl7.org/fhir/extensions/StructureDefinition-tz-code.html):
     * a legacy mapping writes it with its zone, and the portal shows the appointment in it.
     */
    public static final String TZ_CODE = "http://hl7.org/fhir/StructureDefinition/tz-code";


    private FhirDates() {
    }

    /**
     * The date as written (an offset in a date-time is not applied). A partial date is its first day, or its last
     * when {@code upperBound}: period start 2012 = 2012-01-01, period end 2012 = 2012-12-31.
     *
     * @return null when there is no value or it is not a valid date
     */
    public static LocalDate dayAsWritten(BaseDateTimeType value, boolean upperBound) {
        if (value == null || value.getValue() == null) {
            return null;
        }
        String text = value.getValueAsString();
        try {
            switch (value.getPrecision()) {
                case YEAR:
                    Year year = Year.parse(text.substring(0, 4));
                    return upperBound ? year.atMonth(12).atEndOfMonth() : year.atDay(1);
                case MONTH:
                    YearMonth month = YearMonth.parse(text.substring(0, 7));
                    return upperBound ? month.atEndOfMonth() : month.atDay(1);
                default:
                    return LocalDate.parse(text.substring(0, 10));
            }
        } catch (DateTimeParseException | IndexOutOfBoundsException e) {
            return null;
        }
    }
}
