package org.portalsync.console;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * A real headless browser for the console's tests: the system's chromium driven by the system's chromedriver
 * (Debian's {@code chromium} and {@code chromium-driver}), never a browser or driver that Selenium Manager would
 * download. Without them the test is skipped, unless {@value #REQUIRE} is {@code true} (the CI, which installs
 * them), where it fails.
 */
final class ConsoleBrowser {

    static final String REQUIRE = "REQUIRE_BROWSER_TESTS";
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private ConsoleBrowser() {
    }

    /** Skips (or, with {@value #REQUIRE}=true, fails) the test when the browser is not installed. */
    static void requireInstalled() {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        String message = "The console's browser test needs Debian's chromium and chromium-driver (" + CHROMIUM + ", " + CHROMEDRIVER
                + "): sudo apt-get install -y chromium chromium-driver";
        if (!installed && Boolean.parseBoolean(System.getenv(REQUIRE))) {
            fail(message + " (" + REQUIRE + "=true: the browser test must run here)");
        }
        assumeTrue(installed, message);
    }

    static WebDriver start() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1366,900",
                "--disable-extensions", "--no-first-run", "--password-store=basic");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER.toString()))
                .usingAnyFreePort().build();
        WebDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
        return driver;
    }

    /** Saves what the browser shows as {@code target/console-<name>.png}, for review. */
    static void screenshot(WebDriver driver, String name) {
        try {
            Files.write(Path.of("target", "console-" + name + ".png"), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
