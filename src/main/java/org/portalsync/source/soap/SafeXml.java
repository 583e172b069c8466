package org.portalsync.source.soap;

import java.io.ByteArrayInputStream;
import java.io.IOException;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

import org.w3c.dom.Document;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * Parses an answer from a legacy service without the XML features that attack the reader: a DOCTYPE is refused
 * outright (no internal or external entities, so no "billion laughs" expansion and no XXE reading a local file or
 * URL), no XInclude, secure processing on (entity and size limits). OWASP's XML External Entity Prevention Cheat
 * Sheet, for the JDK's parser.
 */
public final class SafeXml {

    private SafeXml() {
    }

    /** @throws SoapResponseException naming the problem (never the document's text) */
    public static Document parse(byte[] xml, String what) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
            factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            factory.setXIncludeAware(false);
            factory.setExpandEntityReferences(false);
            DocumentBuilder builder = factory.newDocumentBuilder();
            // the default handler prints parse errors to stderr with the document's text; errors are thrown instead
            builder.setErrorHandler(new DefaultHandler());
            return builder.parse(new ByteArrayInputStream(xml));
        } catch (SAXException e) {
            String message = String.valueOf(e.getMessage());
            if (message.contains("DOCTYPE")) {
                throw new SoapResponseException(what + " holds a DOCTYPE declaration, which is refused: it could expand entities "
                        + "(billion laughs) or read external ones (XXE); nothing of it was used");
            }
            throw new SoapResponseException(what + " is not well-formed XML (" + e.getClass().getSimpleName() + ")");
        } catch (IOException | ParserConfigurationException e) {
            throw new SoapResponseException(what + " cannot be read as XML (" + e.getClass().getSimpleName() + ")");
        }
    }
}
