package org.portalsync.api;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What an API client may do. A route names the scope it needs ({@code apiAccess} bean,
 * {@code require('dead-letters:read')}); a key carries the scopes it was issued with. A portal
 * client gets the patient-change scopes and never {@link #DEAD_LETTERS_READ}: dead letters hold
 * other patients' records.
 */
public enum ApiScope {
    /** Submit a patient's changes (the portal). */
    PATIENT_CHANGES_WRITE("patient-changes:write"),
    /** Read how submitted changes ended (the portal). */
    PATIENT_CHANGES_READ("patient-changes:read"),
    /** Read the authority matrix as it is enforced. */
    AUTHORITY_READ("authority:read"),
    /** Read the open dead letters (operators). */
    DEAD_LETTERS_READ("dead-letters:read"),
    /** Read the appointment reconciliation's report: it holds appointment values (operators, the front desk's tools). */
    RECONCILIATION_READ("reconciliation:read"),
    /** Start an appointment reconciliation run now (operators). */
    RECONCILIATION_RUN("reconciliation:run");

    private final String scopeName;

    ApiScope(String scopeName) {
        this.scopeName = scopeName;
    }

    /** As written in routes, keys and the api_client table, e.g. {@code dead-letters:read}. */
    public String scopeName() {
        return scopeName;
    }

    public static Optional<ApiScope> byName(String name) {
        return Arrays.stream(values()).filter(scope -> scope.scopeName.equals(name)).findFirst();
    }

    /** The scope of that name; an unknown one is a mistake in a route or a command line. */
    public static ApiScope of(String name) {
        return byName(name).orElseThrow(() -> new IllegalArgumentException("unknown API scope '" + name + "'; known: " + names()));
    }

    /** Every scope's name, space-separated. */
    public static String names() {
        return Arrays.stream(values()).map(ApiScope::scopeName).collect(Collectors.joining(" "));
    }

    @Override
    public String toString() {
        return scopeName;
    }
}
