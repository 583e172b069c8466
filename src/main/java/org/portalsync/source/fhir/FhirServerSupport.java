package org.portalsync.source.fhir;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestComponent;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestResourceComponent;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestResourceSearchParamComponent;
import org.hl7.fhir.r4.model.CapabilityStatement.RestfulCapabilityMode;
import org.hl7.fhir.r4.model.CapabilityStatement.TypeRestfulInteraction;

/**
 * What of the patient poll's requests the EHR says it supports, read from its {@code CapabilityStatement}
 * ({@code GET [base]/metadata}), and the fallback for each that it lacks.
 *
 * <p>How real servers say it: {@code _lastUpdated} is a search parameter, listed under the Patient
 * resource or server-wide ({@code rest.searchParam}). {@code _sort}, {@code _count} and {@code _elements}
 * are result parameters, not search parameters (FHIR R4, search 3.1.1.5), so R4 has no place for
 * them and most servers (HAPI FHIR included) list none: their support is assumed. A server that
 * does list result parameters is taken at its word: one it leaves out is missing.
 *
 * @param patientSearch     {@code search-type} on Patient: the poll itself; there is no fallback
 * @param lastUpdatedSearch {@code _lastUpdated}: else every poll reads every patient (unchanged ones are not written)
 * @param sortByLastUpdated {@code _sort=_lastUpdated}: else the search is unsorted and the mark moves only at its end
 * @param elements          {@code _elements}: else whole resources are fetched
 * @param historyType       {@code history-type} on Patient: else no deletion sweep; deletions come from 410 and active=false
 * @param bulkExport        the Bulk Data {@code export} operation (system, Patient or Group level): what
 *                          {@code initial-load=auto} looks for; optional, so never a gap
 */
public record FhirServerSupport(boolean patientSearch, boolean lastUpdatedSearch, boolean sortByLastUpdated, boolean elements,
        boolean historyType, boolean bulkExport) {

    /**
     * What is assumed of an EHR whose statement cannot be read: the poll as designed. Not Bulk Data export, which an
     * EHR must say it offers before {@code initial-load=auto} uses it.
     */
    public static final FhirServerSupport ALL = new FhirServerSupport(true, true, true, true, true, false);

    /** The result parameters a server may list; listing any of them means it lists those it supports. */
    private static final Set<String> RESULT_PARAMETERS = Set.of("_sort", "_count", "_elements", "_summary", "_include",
            "_revinclude", "_total", "_contained", "_containedType");

    public static FhirServerSupport of(CapabilityStatement statement) {
        CapabilityStatementRestComponent rest = statement.getRest().stream()
                .filter(r -> r.getMode() == RestfulCapabilityMode.SERVER).findFirst()
                .orElse(statement.getRest().isEmpty() ? new CapabilityStatementRestComponent() : statement.getRest().get(0));
        CapabilityStatementRestResourceComponent patient = rest.getResource().stream()
                .filter(r -> "Patient".equals(r.getType())).findFirst().orElse(new CapabilityStatementRestResourceComponent());
        Set<String> parameters = new HashSet<>();
        patient.getSearchParam().stream().map(CapabilityStatementRestResourceSearchParamComponent::getName).forEach(parameters::add);
        rest.getSearchParam().stream().map(CapabilityStatementRestResourceSearchParamComponent::getName).forEach(parameters::add);
        boolean listsResultParameters = parameters.stream().anyMatch(RESULT_PARAMETERS::contains);
        boolean lastUpdated = parameters.contains("_lastUpdated");
        return new FhirServerSupport(
                has(patient, TypeRestfulInteraction.SEARCHTYPE),
                lastUpdated,
                // _sort names a search parameter to sort by: no _lastUpdated, no sorting by it
                lastUpdated && (parameters.contains("_sort") || !listsResultParameters),
                parameters.contains("_elements") || !listsResultParameters,
                has(patient, TypeRestfulInteraction.HISTORYTYPE),
                offersExport(rest));
    }

    /** Bulk Data IG: the server lists {@code export} under {@code rest.operation}, or under the Patient or Group resource. */
    private static boolean offersExport(CapabilityStatementRestComponent rest) {
        boolean systemLevel = rest.getOperation().stream().anyMatch(operation -> "export".equals(operation.getName()));
        boolean typeLevel = rest.getResource().stream()
                .filter(resource -> "Patient".equals(resource.getType()) || "Group".equals(resource.getType()))
                .flatMap(resource -> resource.getOperation().stream())
                .anyMatch(operation -> "export".equals(operation.getName()));
        return systemLevel || typeLevel;
    }

    private static boolean has(CapabilityStatementRestResourceComponent resource, TypeRestfulInteraction code) {
        return resource.getInteraction().stream().anyMatch(i -> i.getCode() == code);
    }

    /** One {@code what is missing: the fallback used} per gap; empty when the EHR supports the whole poll. */
    public List<String> gaps() {
        List<String> gaps = new ArrayList<>();
        if (!patientSearch) {
            gaps.add("search on Patient (interaction search-type): no fallback, the poll is tried as it is");
        }
        if (!lastUpdatedSearch) {
            gaps.add("search parameter _lastUpdated on Patient: every poll reads every patient (unchanged ones are not written)");
        }
        if (!sortByLastUpdated) {
            gaps.add("_sort=_lastUpdated: the search is not sorted, so the high-water mark moves only at the end of each poll");
        }
        if (!elements) {
            gaps.add("_elements: whole Patient resources are fetched");
        }
        if (!historyType) {
            gaps.add("type-level _history on Patient (interaction history-type): no deletion sweep; "
                    + "deletions come from 410 answers and active=false");
        }
        return gaps;
    }
}
