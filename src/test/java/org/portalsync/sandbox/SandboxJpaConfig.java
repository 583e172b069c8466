package org.portalsync.sandbox;

import ca.uhn.fhir.batch2.jobs.config.Batch2JobsConfig;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.config.ThreadPoolFactoryConfig;
import ca.uhn.fhir.jpa.batch2.JpaBatch2Config;
import ca.uhn.fhir.jpa.config.HapiJpaConfig;
import ca.uhn.fhir.jpa.config.r4.JpaR4Config;
import ca.uhn.fhir.jpa.config.util.HapiEntityManagerFactoryUtil;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.config.SubscriptionSettings;
import ca.uhn.fhir.jpa.model.dialect.HapiFhirH2Dialect;
import ca.uhn.fhir.jpa.subscription.channel.config.SubscriptionChannelConfig;
import jakarta.persistence.EntityManagerFactory;
import java.util.Properties;
import javax.sql.DataSource;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;

/**
 * The Spring wiring HAPI's JPA server needs, and nothing more: HAPI's own R4 and JPA configs
 * plus the beans they expect the host application to supply (entity manager, transactions,
 * storage settings). The {@code dataSource} bean is registered by {@link SandboxEhr} before
 * refresh so every sandbox gets its own in-memory database.
 *
 * <p>Batch2 (and the in-memory message broker of {@link SubscriptionChannelConfig} it runs on) runs
 * HAPI's bulk export job behind {@code $export}; {@link SandboxEhr} drives its maintenance passes,
 * since HAPI's scheduler is off. The sandbox supports no subscriptions.
 */
@Configuration
@Import({
    JpaR4Config.class,
    HapiJpaConfig.class,
    JpaBatch2Config.class,
    Batch2JobsConfig.class,
    SubscriptionChannelConfig.class,
    ThreadPoolFactoryConfig.class
})
class SandboxJpaConfig {

    /** Resources per NDJSON file of a bulk export (HAPI's default is 1000): a test of a few hundred patients gets several files. */
    static final int BULK_EXPORT_FILE_CAPACITY = 100;

    @Bean
    JpaStorageSettings storageSettings() {
        JpaStorageSettings settings = new JpaStorageSettings();
        // HAPI's default, as on real servers: the same search within a minute gets the cached result
        // set, which hides records written since. The engine must defeat it with Cache-Control: no-cache
        // (StaleSearchCacheIT proves it does, and that the cache is really there).
        settings.setReuseCachedSearchResultsForMillis(JpaStorageSettings.DEFAULT_REUSE_CACHED_SEARCH_RESULTS_FOR_MILLIS);
        // Deletes stay as history entries (HAPI's default): the engine must see DELETE in _history.
        settings.setDeleteEnabled(true);
        // Stale-search cleanup, batch2 maintenance, etc. are not needed by a short-lived sandbox and
        // only add background threads and log noise on a 2-core box.
        settings.setSchedulingDisabled(true);
        settings.setHibernateSearchIndexSearchParams(false);
        // Bulk export: every kick-off is a job of its own (tests share one sandbox and delete their
        // jobs), in files of BULK_EXPORT_FILE_CAPACITY resources.
        settings.setEnableBulkExportJobReuse(false);
        settings.setBulkExportFileMaximumCapacity(BULK_EXPORT_FILE_CAPACITY);
        return settings;
    }

    @Bean
    PartitionSettings partitionSettings() {
        return new PartitionSettings();
    }

    @Bean
    SubscriptionSettings subscriptionSettings() {
        return new SubscriptionSettings();
    }

    @Bean
    @Primary
    LocalContainerEntityManagerFactoryBean entityManagerFactory(
            ConfigurableListableBeanFactory beanFactory,
            FhirContext fhirContext,
            JpaStorageSettings storageSettings,
            DataSource dataSource) {
        LocalContainerEntityManagerFactoryBean factory =
                HapiEntityManagerFactoryUtil.newEntityManagerFactory(beanFactory, fhirContext, storageSettings);
        factory.setPersistenceUnitName("SANDBOX_EHR");
        factory.setDataSource(dataSource);
        Properties jpa = new Properties();
        // HAPI's dialect, not Hibernate's: it maps HAPI's column types the way HAPI's schema expects.
        jpa.put("hibernate.dialect", HapiFhirH2Dialect.class.getName());
        jpa.put("hibernate.hbm2ddl.auto", "update");
        jpa.put("hibernate.format_sql", "false");
        jpa.put("hibernate.show_sql", "false");
        jpa.put("hibernate.jdbc.batch_size", "50");
        jpa.put("hibernate.order_inserts", "true");
        jpa.put("hibernate.cache.use_query_cache", "false");
        jpa.put("hibernate.cache.use_second_level_cache", "false");
        // No Lucene/Elasticsearch: plain SQL search is what the engine's queries need.
        jpa.put("hibernate.search.enabled", "false");
        jpa.put("hibernate.session_factory.statement_inspector", IndexedIdLookups.class.getName());
        factory.setJpaProperties(jpa);
        return factory;
    }

    @Bean
    @Primary
    JpaTransactionManager transactionManager(EntityManagerFactory entityManagerFactory) {
        return new JpaTransactionManager(entityManagerFactory);
    }
}
