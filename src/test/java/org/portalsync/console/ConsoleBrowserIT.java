package org.portalsync.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.portalsync.alert.SettableClock;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.FaultInjectingProxy;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sandbox.SandboxPatientGenerator;
import org.portalsync.sync.TestEngine;

/**
 * The operator console in a real headless browser against the real engine and the sandbox EHR: an operator signs
 * in, finds a patient whose refresh the EHR failed (5xx through the fault proxy, so a real dead letter), replays
 * it once the EHR answers again and sees the patient turn green; a viewer cannot replay; a form without its CSRF
 * token is refused; an idle session ends. Screenshots go to {@code target/console-*.png}.
 */
class ConsoleBrowserIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();
    private static final long SEED = 10601;
    private static final String REPLAYED_FAMILY = "Replayedfamily";

    private static FaultInjectingProxy proxy;
    private static TestEngine engine;
    private static SettableClock clock;
    private static WebDriver browser;
    private static String failing;
    private static String failingMrn;

    @BeforeAll
    static void start() throws Exception {
        ConsoleBrowser.requireInstalled();
        List<SandboxEhr.SeededPatient> seeded = EHR.seedPatientsWithDefects(6, SEED, SandboxPatientGenerator.DefectRates.SANDBOX);
        SandboxEhr.SeededPatient chosen = seeded.stream().filter(patient -> patient.defect() == SandboxPatientGenerator.Defect.NONE)
                .findFirst().orElseThrow();
        failing = chosen.id();
        Patient patient = EHR.adminClient().read().resource(Patient.class).withId(failing).execute();
        failingMrn = patient.getIdentifier().stream().filter(id -> SandboxPatientGenerator.MRN_SYSTEM.equals(id.getSystem()))
                .map(Identifier::getValue).findFirst().orElseThrow();
        proxy = new FaultInjectingProxy(EHR.fhirBaseUrl());
        Map<String, String> settings = ConsoleTestUsers.enable(new HashMap<>(TestEngine.settingsFor(EHR, proxy.baseUrl() + "/fhir", "h2", SEED)));
        settings.put(PortalSyncSettings.CONSOLE_SESSION_TIMEOUT, "2m");
        // the engine's clock, moved by hand past the session timeout in the idle test
        clock = new SettableClock(Instant.now());
        engine = TestEngine.start(settings, clock);
        engine.poll();

        // the front desk changes the patient; the EHR then fails every read of it: the refresh ends in a dead letter
        patient.getNameFirstRep().setFamily(REPLAYED_FAMILY);
        EHR.adminClient().update().resource(patient).execute();
        proxy.failEvery(500, "Patient/" + failing);
        engine.request("direct:fhir-patient-refresh", failing);
        proxy.stopFailing();
        browser = ConsoleBrowser.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (engine != null) {
            engine.close();
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    private static void signIn(String user, String password) {
        browser.manage().deleteAllCookies();
        browser.get(engine.apiBaseUrl() + "/console");
        assertThat(browser.getCurrentUrl()).contains("/console/login");
        browser.findElement(By.name("username")).sendKeys(user);
        browser.findElement(By.name("password")).sendKeys(password);
        click(By.cssSelector("form.signin button"));
        assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Overview");
    }

    /** Clicks what leads to another page, and waits until that page has loaded. */
    private static void click(By target) {
        untilTheNextPage(() -> browser.findElement(target).click());
    }

    /**
     * Does what leads to another page and waits until it has replaced this one and loaded: the driver does not always
     * wait for a form's submission, and a page read too early is the old one, or goes stale while it is read.
     */
    private static void untilTheNextPage(Runnable action) {
        WebElement page = browser.findElement(By.tagName("html"));
        action.run();
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
        wait.until(driver -> isGone(page));
        wait.until(driver -> "complete".equals(((JavascriptExecutor) driver).executeScript("return document.readyState")));
    }

    /**
     * Whether the page's element is no longer in the browser's document. Mid-navigation, Chromium may answer that the node
     * "does not belong to the document" instead of the stale-element error Selenium's own condition waits for: gone too.
     */
    private static boolean isGone(WebElement page) {
        try {
            page.isEnabled();
            return false;
        } catch (StaleElementReferenceException e) {
            return true;
        } catch (WebDriverException e) {
            if (e.getMessage() != null && e.getMessage().contains("does not belong to the document")) {
                return true;
            }
            throw e;
        }
    }

    private static String text() {
        return browser.findElement(By.tagName("body")).getText();
    }

    @Test
    void anOperatorFindsThePatientWithAnErrorReplaysItsDeadLetterAndSeesItTurnGreen() throws Exception {
        assertThat(engine.rows("SELECT status, cause_type FROM dead_letter WHERE record_ref = ?", "Patient/" + failing)).singleElement()
                .satisfies(row -> assertThat(row).containsEntry("status", "NEW"));

        signIn(ConsoleTestUsers.OPERATOR, ConsoleTestUsers.OPERATOR_PASSWORD);
        assertThat(text()).contains("Open dead letters").contains("Patient-deletions");
        ConsoleBrowser.screenshot(browser, "overview");

        click(By.linkText("Patients"));
        new Select(browser.findElement(By.name("by"))).selectByValue("mrn");
        browser.findElement(By.name("q")).sendKeys(failingMrn);
        click(By.cssSelector("form.search button"));
        assertThat(browser.getCurrentUrl()).as("no PHI in the address").doesNotContain(failingMrn).endsWith("/console/patients/search");
        assertThat(text()).contains("1 found");
        click(By.cssSelector("table.patients a"));

        assertThat(browser.getCurrentUrl()).as("an opaque id, not the MRN or the EHR's id").matches(".*/console/patients/\\d+")
                .doesNotContain(failingMrn).doesNotContain(failing);
        assertThat(browser.findElement(By.id("sync-status")).getText()).isEqualTo("pending");
        assertThat(text()).contains("dead-lettered").contains("Patient/" + failing).contains("Field provenance");
        ConsoleBrowser.screenshot(browser, "patient-with-error");

        click(By.cssSelector("button.replay"));

        assertThat(browser.findElement(By.id("sync-status")).getText()).isEqualTo("in sync");
        assertThat(browser.findElement(By.cssSelector("#sync-status .badge")).getAttribute("class")).contains("ok");
        assertThat(text()).contains("Replayed 1: 1 now in sync");
        assertThat(browser.findElements(By.cssSelector("button.replay"))).as("nothing left to replay").isEmpty();
        ConsoleBrowser.screenshot(browser, "patient-replayed");
        assertThat(engine.rows("SELECT status, operator_replays, last_replayed_by FROM dead_letter WHERE record_ref = ?", "Patient/" + failing))
                .singleElement().satisfies(row -> assertThat(row).containsEntry("status", "RESOLVED").containsEntry("operator_replays", 1)
                        .containsEntry("last_replayed_by", ConsoleTestUsers.OPERATOR));
        assertThat(engine.rows("SELECT legal_family FROM portal_patient WHERE source_id = ?", failing).get(0))
                .containsEntry("legal_family", REPLAYED_FAMILY);
        assertThat(engine.rows("SELECT actor, result FROM audit_event WHERE action = 'Console replay' ORDER BY id").stream()
                .map(row -> row.get("actor") + " " + row.get("result")).toList())
                .containsExactly(ConsoleTestUsers.OPERATOR + " replaying", ConsoleTestUsers.OPERATOR + " resolved");
        assertThat(engine.rows("SELECT actor, resource FROM audit_event WHERE action = 'Console view patient'"))
                .allSatisfy(row -> assertThat(row).containsEntry("actor", ConsoleTestUsers.OPERATOR)
                        .containsEntry("resource", "ehr/Patient/" + failing));

        click(By.linkText("Dead letters"));
        ConsoleBrowser.screenshot(browser, "dead-letters");
    }

    @Test
    void aViewerSeesNoReplayAndAForgedReplayIsRefused() {
        signIn(ConsoleTestUsers.VIEWER, ConsoleTestUsers.VIEWER_PASSWORD);
        click(By.linkText("Dead letters"));
        assertThat(browser.findElements(By.cssSelector("button.replay, button.replay-selected, button.discard"))).isEmpty();

        // the viewer's own session and CSRF token, in a form the page does not offer
        untilTheNextPage(() -> ((JavascriptExecutor) browser).executeScript("""
                const form = document.createElement('form');
                form.method = 'post';
                form.action = '/console/dead-letters/replay';
                form.innerHTML = '<input name="csrf" value="' + document.querySelector('input[name=csrf]').value + '">'
                    + '<input name="one" value="1">';
                document.body.appendChild(form);
                form.submit();"""));

        assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Not allowed");
        assertThat(text()).contains("Only an operator may do this");
    }

    @Test
    void aFormWithoutItsCsrfTokenIsRefused() {
        signIn(ConsoleTestUsers.OPERATOR, ConsoleTestUsers.OPERATOR_PASSWORD);
        click(By.linkText("Patients"));
        ((JavascriptExecutor) browser).executeScript("document.querySelector('form.search input[name=csrf]').remove()");
        browser.findElement(By.name("q")).sendKeys("anyone");
        click(By.cssSelector("form.search button"));

        assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Not allowed");
        assertThat(text()).contains("no valid CSRF token");
    }

    @Test
    void anIdleSessionEndsAfterTheTimeout() {
        signIn(ConsoleTestUsers.OPERATOR, ConsoleTestUsers.OPERATOR_PASSWORD);
        clock.advance(Duration.ofMinutes(1));
        click(By.linkText("Alerts"));
        assertThat(browser.findElement(By.tagName("h1")).getText()).as("a request restarts the idle time").isEqualTo("Recent alerts");

        clock.advance(Duration.ofMinutes(2).plusSeconds(1));
        click(By.linkText("Overview"));

        assertThat(browser.getCurrentUrl()).contains("/console/login");
        assertThat(text()).contains("Your session ended after a time without use");
    }
}
