package org.portalsync.api;

/** Names the API's steps share on an exchange. */
public final class ApiHeaders {

    /** The request header that carries the API key ({@code <client_id>.<secret>}). */
    public static final String API_KEY = "X-API-Key";
    /**
     * Exchange property: the client id the request authenticated as, set by {@code apiAccess}; absent
     * until then (audit rows then name {@link #ANONYMOUS}). Later steps read it, e.g. to record who
     * submitted a change: {@code ${exchangeProperty.PortalSyncApiClient}}.
     */
    public static final String CLIENT_ID = "PortalSyncApiClient";
    /** The audit actor of a request that did not authenticate. */
    public static final String ANONYMOUS = "anonymous";

    private ApiHeaders() {
    }
}
