package org.portalsync.source.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.parser.CanonicalModelClassFactory;
import ca.uhn.hl7v2.util.Terser;
import ca.uhn.hl7v2.validation.impl.ValidationContextFactory;
import org.junit.jupiter.api.Test;

/** The ACK a sender gets, read back with HAPI's own parser as the sender would read it. */
class Hl7v2AcksTest {

    /** Never closed: closing a context on HAPI's default threads stops them for every context in the test JVM. */
    private static final HapiContext HAPI = hapi();

    private static HapiContext hapi() {
        HapiContext hapi = new DefaultHapiContext();
        hapi.setModelClassFactory(new CanonicalModelClassFactory("2.5.1"));
        hapi.setValidationContext(ValidationContextFactory.noValidation());
        return hapi;
    }

    private static Terser parsed(String ack) throws Exception {
        Message message = HAPI.getPipeParser().parse(ack);
        return new Terser(message);
    }

    @Test
    void anAcceptGoesBackToTheSenderNamingItsEventAndControlId() throws Exception {
        Terser ack = parsed(Hl7v2Acks.accept("MSH|^~\\&|LEGACY^1.2.3^ISO|CLINIC-A|PORTAL|PS|20240301100000||ADT^A04^ADT_A01|CTRL-1|T|2.5.1\r"
                + "EVN|A04|20240301100000\rPID|1||A-1^^^CLINIC-A^MR"));

        assertThat(ack.get("/MSH-3-1")).isEqualTo("PORTAL");
        assertThat(ack.get("/MSH-4-1")).isEqualTo("PS");
        assertThat(ack.get("/MSH-5-1")).isEqualTo("LEGACY");
        assertThat(ack.get("/MSH-5-2")).isEqualTo("1.2.3");
        assertThat(ack.get("/MSH-5-3")).isEqualTo("ISO");
        assertThat(ack.get("/MSH-6-1")).isEqualTo("CLINIC-A");
        assertThat(ack.get("/MSH-7")).matches("\\d{14}\\.\\d{3}\\+0000");
        assertThat(ack.get("/MSH-9-1")).isEqualTo("ACK");
        assertThat(ack.get("/MSH-9-2")).isEqualTo("A04");
        assertThat(ack.get("/MSH-9-3")).isEqualTo("ACK");
        assertThat(ack.get("/MSH-10")).hasSize(36);
        assertThat(ack.get("/MSH-11")).isEqualTo("T");
        assertThat(ack.get("/MSH-12")).isEqualTo("2.5.1");
        assertThat(ack.get("/MSA-1")).isEqualTo("AA");
        assertThat(ack.get("/MSA-2")).isEqualTo("CTRL-1");
    }

    @Test
    void eachAcceptHasItsOwnControlIdAndProductionIsAssumedWhenTheSenderNamesNone() throws Exception {
        String received = "MSH|^~\\&|LEGACY|CLINIC-A|PORTAL|PS|20240301100000||ADT^A08|CTRL-2\rPID|1";
        Terser first = parsed(Hl7v2Acks.accept(received));
        Terser second = parsed(Hl7v2Acks.accept(received));

        assertThat(first.get("/MSH-10")).isNotEqualTo(second.get("/MSH-10"));
        assertThat(first.get("/MSH-11")).isEqualTo("P");
        assertThat(first.get("/MSH-9-2")).isEqualTo("A08");
        assertThat(first.get("/MSA-2")).isEqualTo("CTRL-2");
    }

    @Test
    void aSenderWithItsOwnDelimitersGetsAnAcceptInOurs() throws Exception {
        // component separator '#': the sender's MSH-3 "LEGACY#1" is two components
        Terser ack = parsed(Hl7v2Acks.accept("MSH|#~\\&|LEGACY#1|CLINIC-A|PORTAL|PS|20240301100000||ADT#A04#ADT_A01|CTRL-3|P|2.5.1\rPID|1"));

        assertThat(ack.get("/MSH-5-1")).isEqualTo("LEGACY");
        assertThat(ack.get("/MSH-5-2")).isEqualTo("1");
        assertThat(ack.get("/MSA-1")).isEqualTo("AA");
        assertThat(ack.get("/MSA-2")).isEqualTo("CTRL-3");
    }

    @Test
    void aRejectNamesTheEventTooAndCarriesTheError() throws Exception {
        Terser ack = parsed(Hl7v2Acks.reject("MSH|^~\\&|LEGACY|CLINIC-A|PORTAL|PS|20240301100000||ADT^A04^ADT_A01|CTRL-4|P|2.5.1\rPID|1",
                new Hl7v2MessageException("PID-3(5=MR)-1", "required", ca.uhn.hl7v2.ErrorCode.REQUIRED_FIELD_MISSING)));

        assertThat(ack.get("/MSH-9")).isEqualTo("ACK");
        assertThat(ack.get("/MSH-9-2")).isEqualTo("A04");
        assertThat(ack.get("/MSH-9-3")).isEqualTo("ACK");
        assertThat(ack.get("/MSA-1")).isEqualTo("AE");
        assertThat(ack.get("/ERR-8")).isEqualTo("PID-3(5=MR)-1: required");
    }
}
