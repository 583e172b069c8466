package org.portalsync.source.hl7v2;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import javax.xml.XMLConstants;
import javax.xml.namespace.NamespaceContext;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathExpression;
import javax.xml.xpath.XPathExpressionException;
import javax.xml.xpath.XPathFactory;

import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The XPaths of an XML source's mapping file: compiled with the file's namespace prefixes, and read relative to a
 * record or group node. Only the JDK's XPath 1.0, with secure processing on: no extension functions.
 */
public final class XmlPaths {

    private XmlPaths() {
    }

    /** @throws IllegalArgumentException naming the problem */
    public static XPathExpression compile(String text, Map<String, String> namespaces) {
        try {
            XPathFactory factory = XPathFactory.newInstance();
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            XPath xpath = factory.newXPath();
            xpath.setNamespaceContext(new Prefixes(namespaces));
            return xpath.compile(text);
        } catch (XPathExpressionException | javax.xml.xpath.XPathFactoryConfigurationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalArgumentException(cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage());
        }
    }

    /** The path's value (a node's text, stripped), "" when it selects nothing. */
    public static String value(Node context, String path, Map<String, String> namespaces) {
        try {
            String value = (String) compile(path, namespaces).evaluate(context, XPathConstants.STRING);
            return value == null ? "" : value.strip();
        } catch (XPathExpressionException e) {
            return "";
        }
    }

    /** The nodes a path selects, in document order. */
    public static List<Node> nodes(Node context, String path, Map<String, String> namespaces) {
        try {
            NodeList list = (NodeList) compile(path, namespaces).evaluate(context, XPathConstants.NODESET);
            List<Node> nodes = new ArrayList<>(list.getLength());
            for (int i = 0; i < list.getLength(); i++) {
                nodes.add(list.item(i));
            }
            return nodes;
        } catch (XPathExpressionException e) {
            throw new IllegalArgumentException("'" + path + "' does not select nodes");
        }
    }

    private record Prefixes(Map<String, String> namespaces) implements NamespaceContext {
        @Override
        public String getNamespaceURI(String prefix) {
            return namespaces.getOrDefault(prefix, XMLConstants.NULL_NS_URI);
        }

        @Override
        public String getPrefix(String namespaceUri) {
            return namespaces.entrySet().stream().filter(e -> e.getValue().equals(namespaceUri)).map(Map.Entry::getKey).findFirst().orElse(null);
        }

        @Override
        public Iterator<String> getPrefixes(String namespaceUri) {
            return namespaces.entrySet().stream().filter(e -> e.getValue().equals(namespaceUri)).map(Map.Entry::getKey).iterator();
        }
    }
}
