package org.portalsync.bench;

import java.util.ArrayList;
import java.util.List;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sandbox.SandboxPatientGenerator;

/**
 * Seeds generated patients into any FHIR server (the benchmark's {@code -Dbench.seed-server=true}),
 * tagged with the seed like the sandbox's, so the engine and the raw fetch read exactly those.
 */
final class RemoteSeeder {

    private static final int BATCH = 500;

    private RemoteSeeder() {
    }

    /**
     * @param token a bearer token, or null for a server without OAuth2
     * @return the ids the server gave the patients, in generation order
     */
    static List<String> seed(String fhirBaseUrl, String token, int count, long seed, SandboxPatientGenerator.DefectRates rates) {
        FhirContext context = FhirContext.forR4Cached();
        context.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
        context.getRestfulClientFactory().setSocketTimeout(300_000);
        IGenericClient client = context.newRestfulGenericClient(fhirBaseUrl);
        if (token != null) {
            client.registerInterceptor(new BearerTokenAuthInterceptor(token));
        }
        SandboxPatientGenerator generator = new SandboxPatientGenerator(seed, rates);
        List<String> ids = new ArrayList<>();
        for (int done = 0; done < count; done += BATCH) {
            List<Patient> patients = new ArrayList<>();
            for (int i = done; i < Math.min(count, done + BATCH); i++) {
                Patient patient = generator.next();
                patient.getMeta().addTag(new Coding(SandboxEhr.SEED_TAG_SYSTEM, "seed-" + seed, null));
                patients.add(patient);
            }
            Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
            patients.forEach(p -> transaction.addEntry().setResource(p).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Patient"));
            Bundle answer = client.transaction().withBundle(transaction).execute();
            // a transaction's answer lists its entries in the request's order, each with Patient/<id>/_history/<n>
            answer.getEntry().forEach(entry -> ids.add(new IdType(entry.getResponse().getLocation()).getIdPart()));
        }
        return ids;
    }
}
