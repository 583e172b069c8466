package org.portalsync.source.fhir;

import java.time.Instant;
import java.util.Objects;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One entry of a search or history page, not yet parsed into a HAPI resource: a malformed resource
 * must not spoil its page. An entry read from a Bundle keeps the JSON tree the Bundle was read into,
 * so that the resource parser walks that tree instead of reading the same text a second time; the text
 * is written from the tree only when something needs it (a dead letter's payload).
 */
public final class FhirEntry {

    private final String resourceType;
    private final String id;
    private final String versionId;
    private final Instant lastUpdated;
    private final ObjectNode resourceTree;
    private final boolean deleted;
    /** Written from {@link #resourceTree} on first use; a race only writes the same text twice. */
    private volatile String resourceJson;

    /**
     * @param resourceJson the resource as JSON, null for a deletion (or a broken entry that holds none)
     * @param deleted      true for a history entry whose request was DELETE, or that holds no resource
     * @param lastUpdated  {@code meta.lastUpdated} (or the history entry's {@code response.lastModified}), null if absent or unreadable
     */
    public FhirEntry(String resourceType, String id, String versionId, Instant lastUpdated, String resourceJson, boolean deleted) {
        this(resourceType, id, versionId, lastUpdated, null, resourceJson, deleted);
    }

    private FhirEntry(String resourceType, String id, String versionId, Instant lastUpdated, ObjectNode resourceTree, String resourceJson,
            boolean deleted) {
        this.resourceType = resourceType;
        this.id = id;
        this.versionId = versionId;
        this.lastUpdated = lastUpdated;
        this.resourceTree = resourceTree;
        this.resourceJson = resourceJson;
        this.deleted = deleted;
    }

    /** An entry holding a resource already read as a JSON tree (with {@link FhirBundleReader}'s number handling). */
    static FhirEntry ofTree(String resourceType, String id, String versionId, Instant lastUpdated, ObjectNode resourceTree, String resourceJson) {
        return new FhirEntry(resourceType, id, versionId, lastUpdated, Objects.requireNonNull(resourceTree), resourceJson, false);
    }

    public String resourceType() {
        return resourceType;
    }

    public String id() {
        return id;
    }

    public String versionId() {
        return versionId;
    }

    public Instant lastUpdated() {
        return lastUpdated;
    }

    public boolean deleted() {
        return deleted;
    }

    /** The resource as a JSON tree, or null when the entry came as text only (a single read) or holds no resource. */
    public ObjectNode resourceTree() {
        return resourceTree;
    }

    /** @return whether the entry holds a resource (as a tree or as text), without writing a tree as text */
    public boolean hasResource() {
        return resourceTree != null || resourceJson != null;
    }

    /** The resource as JSON text, null for a deletion (or a broken entry that holds none). */
    public String resourceJson() {
        String json = resourceJson;
        if (json == null && resourceTree != null) {
            json = resourceTree.toString();
            resourceJson = json;
        }
        return json;
    }

    public String reference() {
        return resourceType + "/" + id;
    }

    @Override
    public String toString() {
        return "FhirEntry[" + reference() + (versionId == null ? "" : "/_history/" + versionId) + (deleted ? ", deleted" : "") + "]";
    }
}
