package org.portalsync.source.soap;

/**
 * A SOAP service's answer the engine cannot take: not XML, XML it refuses to parse (a DOCTYPE, which would allow
 * external entities and entity expansion), an HTTP error without a SOAP Fault, or a record the mapping refuses. The
 * text names the problem and the place (the page, the record's position, the path), never a value of a record.
 */
public class SoapResponseException extends RuntimeException {

    public SoapResponseException(String message) {
        super(message);
    }
}
