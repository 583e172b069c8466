package org.portalsync.source.soap;

/** The SOAP service answered with a SOAP Fault: its faultcode and faultstring (the service's words) are named. */
public final class SoapFaultException extends SoapResponseException {

    public SoapFaultException(String operation, int page, String faultCode, String faultString) {
        super("SOAP Fault from " + operation + " (page " + page + "): " + faultCode + ": " + faultString);
    }
}
