package org.portalsync.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;

import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.internet.InternetAddress;
import org.apache.camel.CamelExecutionException;
import org.junit.jupiter.api.Test;
import org.portalsync.source.fhir.EhrUnavailableException;

class SafeFailureTextTest {

    @Test
    void ourOwnExceptionsPassThroughEvenWhenWrapped() {
        EhrUnavailableException down = new EhrUnavailableException("EHR unreachable at ehr.example.org:443 (ConnectException)");

        assertThat(SafeFailureText.of(down)).isEqualTo(down.getMessage());
        assertThat(SafeFailureText.of(new CamelExecutionException("Exception occurred during execution", null, down)))
                .isEqualTo(down.getMessage());
    }

    @Test
    void aDatabaseErrorKeepsItsStateButNotTheDriversMessage() {
        SQLException refused = new SQLException("ERROR: duplicate key value violates unique constraint \"uq\"\n"
                + "  Detail: Key (source, source_id)=(ehr, Garcia-1980) already exists.", "23505");

        assertThat(SafeFailureText.of(new RuntimeException("wrapped", refused)))
                .isEqualTo("portal database: SQLSTATE 23505 unique constraint violated (SQLException)");
    }

    @Test
    void aMailErrorKeepsTheSmtpReplyCodeButNoAddress() throws Exception {
        Address[] invalid = {new InternetAddress("ana.garcia@example.org")};
        MessagingException reply = new MessagingException("550 5.1.1 <ana.garcia@example.org>: Recipient address rejected: User unknown");
        SendFailedException failure = new SendFailedException("Invalid Addresses", reply, new Address[0], new Address[0], invalid);

        String text = SafeFailureText.of(failure);

        assertThat(text).isEqualTo("mail: SendFailedException, SMTP reply 550 5.1.1, 1 invalid and 0 unsent address(es), not shown");
        assertThat(SafeFailureText.of(new RuntimeException(failure))).isEqualTo(text);
    }

    @Test
    void anyOtherMessageIsShownWithQuotedTextAddressesAndNumbersMasked() {
        assertThat(SafeFailureText.of(new IllegalArgumentException("Text 'O'Brien' could not be parsed at index 0")))
                .isEqualTo("IllegalArgumentException: Text … could not be parsed at index 0");
        assertThat(SafeFailureText.of(new IllegalStateException("Invalid date \"31/02/1970\" for ana@example.org, phone +1 617 555 0142")))
                .doesNotContain("1970").doesNotContain("ana@").doesNotContain("555");
        assertThat(SafeFailureText.of(new IllegalStateException("no match for 1980-02-29 or MRN 004211 in Smith")))
                .isEqualTo("IllegalStateException: no match for … or MRN … in Smith");
        assertThat(SafeFailureText.of(new IllegalStateException("first line\nSource: {\"family\":\"Garcia\"}")))
                .isEqualTo("IllegalStateException: first line");
        assertThat(SafeFailureText.of(new IllegalStateException("couldn't connect", new java.io.IOException("Garcia"))))
                .isEqualTo("IllegalStateException: couldn't connect (caused by IOException)");
    }

    @Test
    void noFailureIsAnUnknownFailure() {
        assertThat(SafeFailureText.of(null)).isEqualTo("unknown failure");
    }
}
