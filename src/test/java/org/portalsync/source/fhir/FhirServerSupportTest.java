package org.portalsync.source.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestComponent;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestResourceComponent;
import org.hl7.fhir.r4.model.CapabilityStatement.RestfulCapabilityMode;
import org.hl7.fhir.r4.model.CapabilityStatement.TypeRestfulInteraction;
import org.hl7.fhir.r4.model.Enumerations.SearchParamType;
import org.junit.jupiter.api.Test;

class FhirServerSupportTest {

    /** As HAPI FHIR lists Patient: _lastUpdated among the search parameters, no result parameter, history-type. */
    private static CapabilityStatement hapiLike() {
        CapabilityStatement statement = new CapabilityStatement();
        CapabilityStatementRestComponent rest = statement.addRest().setMode(RestfulCapabilityMode.SERVER);
        rest.addResource().setType("Organization").addInteraction().setCode(TypeRestfulInteraction.SEARCHTYPE);
        CapabilityStatementRestResourceComponent patient = rest.addResource().setType("Patient");
        for (TypeRestfulInteraction code : new TypeRestfulInteraction[] {TypeRestfulInteraction.SEARCHTYPE, TypeRestfulInteraction.READ,
                TypeRestfulInteraction.HISTORYTYPE, TypeRestfulInteraction.HISTORYINSTANCE}) {
            patient.addInteraction().setCode(code);
        }
        patient.addSearchParam().setName("birthdate").setType(SearchParamType.DATE);
        patient.addSearchParam().setName("_lastUpdated").setType(SearchParamType.DATE);
        patient.addSearchParam().setName("_tag").setType(SearchParamType.TOKEN);
        return statement;
    }

    private static CapabilityStatementRestResourceComponent patient(CapabilityStatement statement) {
        return statement.getRestFirstRep().getResource().stream().filter(r -> r.getType().equals("Patient")).findFirst().orElseThrow();
    }

    @Test
    void aServerThatListsNoResultParametersIsAssumedToSupportThem() {
        FhirServerSupport support = FhirServerSupport.of(hapiLike());

        assertThat(support).isEqualTo(FhirServerSupport.ALL);
        assertThat(support.gaps()).isEmpty();
    }

    @Test
    void aServerThatListsItsResultParametersIsTakenAtItsWord() {
        CapabilityStatement statement = hapiLike();
        statement.getRestFirstRep().addSearchParam().setName("_count").setType(SearchParamType.NUMBER);
        statement.getRestFirstRep().addSearchParam().setName("_elements").setType(SearchParamType.STRING);

        FhirServerSupport support = FhirServerSupport.of(statement);

        assertThat(support.sortByLastUpdated()).isFalse();
        assertThat(support.elements()).isTrue();
        assertThat(support.gaps()).singleElement().asString().startsWith("_sort=_lastUpdated:").contains("end of each poll");

        patient(statement).addSearchParam().setName("_sort").setType(SearchParamType.STRING);
        assertThat(FhirServerSupport.of(statement)).isEqualTo(FhirServerSupport.ALL);
    }

    @Test
    void lastUpdatedMayBeListedServerWideAndWithoutItThereIsNoSortingByIt() {
        CapabilityStatement statement = hapiLike();
        patient(statement).getSearchParam().removeIf(p -> p.getName().equals("_lastUpdated"));

        FhirServerSupport without = FhirServerSupport.of(statement);
        assertThat(without.lastUpdatedSearch()).isFalse();
        assertThat(without.sortByLastUpdated()).isFalse();
        assertThat(without.gaps()).hasSize(2).first().asString().contains("every poll reads every patient");

        statement.getRestFirstRep().addSearchParam().setName("_lastUpdated").setType(SearchParamType.DATE);
        assertThat(FhirServerSupport.of(statement)).isEqualTo(FhirServerSupport.ALL);
    }

    @Test
    void withoutTypeLevelHistoryThereIsNoDeletionSweep() {
        CapabilityStatement statement = hapiLike();
        patient(statement).getInteraction().removeIf(i -> i.getCode() == TypeRestfulInteraction.HISTORYTYPE);

        FhirServerSupport support = FhirServerSupport.of(statement);

        assertThat(support.historyType()).isFalse();
        assertThat(support.gaps()).singleElement().asString().contains("history-type").contains("no deletion sweep")
                .contains("410").contains("active=false");
    }

    @Test
    void aStatementWithoutPatientLacksEverything() {
        CapabilityStatement statement = new CapabilityStatement();
        statement.addRest().setMode(RestfulCapabilityMode.SERVER).addResource().setType("Organization");

        FhirServerSupport support = FhirServerSupport.of(statement);

        assertThat(support).isEqualTo(new FhirServerSupport(false, false, false, true, false, false));
        assertThat(support.gaps()).first().asString().contains("search-type");
    }

    @Test
    void bulkExportCountsOnlyWhenTheStatementListsTheExportOperation() {
        assertThat(FhirServerSupport.of(hapiLike()).bulkExport()).as("not listed").isFalse();

        CapabilityStatement systemLevel = hapiLike();
        systemLevel.getRestFirstRep().addOperation().setName("export")
                .setDefinition("http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export");
        assertThat(FhirServerSupport.of(systemLevel).bulkExport()).isTrue();
        assertThat(FhirServerSupport.of(systemLevel).gaps()).isEmpty();

        CapabilityStatement patientLevel = hapiLike();
        patient(patientLevel).addOperation().setName("export")
                .setDefinition("http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export");
        assertThat(FhirServerSupport.of(patientLevel).bulkExport()).isTrue();
        assertThat(FhirServerSupport.ALL.bulkExport()).as("an unread statement offers no export").isFalse();
    }
}
